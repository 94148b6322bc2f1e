"""Point → grid lookup for millions of points (pure: no database, no clock).

The extent of the grids is covered by a raster of square cells. A cell that no grid boundary
touches lies wholly inside one grid (or outside all), so its answer is stored in the raster;
cells that a boundary crosses or touches are marked, with the sorted list of grids whose
boundary does so, and their points are answered exactly by shapely's ``contains_xy`` on those
few candidates. The raster is filled by an even-odd scanline at cell centres and the boundary
cells by a supercover of every edge, both vectorised with numpy. The grids must not overlap
(comprehensive grids tile their region; the import validation guarantees it).

Answers are the same as ``STRtree.query(points, predicate="within")`` for every point that is
not on a boundary. **Edge rule**: a point exactly on the shared edge of several grids (within
none of them) belongs to the grid with the smallest index (grids are passed in code order, so
the smallest code) among those whose closure contains it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

OUTSIDE = -1
_AMBIGUOUS = -2


@dataclass(frozen=True)
class Located:
    index: NDArray[np.int32]  # grid index per point, -1 = outside every grid
    on_edge: NDArray[np.bool_]  # decided by the edge rule


class GridIndex:
    def __init__(self, geometries: Sequence[shapely.Geometry], *, cells: int = 4096) -> None:
        if not len(geometries):
            raise ValueError("an index needs at least one grid")
        self.geometries = np.asarray(geometries, dtype=object)
        shapely.prepare(self.geometries)
        self.tree = shapely.STRtree(self.geometries)
        x0, y0, x1, y1 = shapely.total_bounds(self.geometries)
        self.cell = max(x1 - x0, y1 - y0) / cells
        self.x0, self.y1 = x0 - self.cell, y1 + self.cell  # one spare cell of margin
        self.nx = int(np.ceil((x1 - x0) / self.cell)) + 2
        self.ny = int(np.ceil((y1 - y0) / self.cell)) + 2
        self.raster = self._build()

    # ---- building ---------------------------------------------------------------------
    def _build(self) -> NDArray[np.int32]:
        segments, owners = self._segments()
        raster = _scanline_fill(segments, owners, self.nx, self.ny)
        n = len(self.geometries)
        cells, grids = _supercover(segments, owners, self.nx, self.ny)
        # each boundary cell keeps the sorted list of grids whose boundary crosses it
        key = np.sort(cells * n + grids)  # (np.unique is many times slower than a sort)
        key = key[np.r_[True, key[1:] != key[:-1]]]
        cells, grids = key // n, key % n
        start = np.flatnonzero(np.r_[True, cells[1:] != cells[:-1]])
        boundary = cells[start]
        self.cand_start = np.append(start, len(cells)).astype(np.int64)
        self.cand_grid = grids.astype(np.int32)
        raster.reshape(-1)[boundary] = _AMBIGUOUS - np.arange(len(boundary), dtype=np.int32)
        return raster

    def _segments(self) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """All ring edges of all grids in cell units (x0, y0, x1, y1), with their grid."""
        parts, part_owner = shapely.get_parts(self.geometries, return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        ring_owner = part_owner[ring_part]
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
        xy = np.column_stack(
            [(coords[:, 0] - self.x0) / self.cell, (self.y1 - coords[:, 1]) / self.cell]
        )
        same_ring = coord_ring[1:] == coord_ring[:-1]
        segments = np.column_stack([xy[:-1], xy[1:]])[same_ring]
        return segments, ring_owner[coord_ring[:-1][same_ring]].astype(np.int64)

    @property
    def nbytes(self) -> int:
        """Memory of the raster and the candidate lists (the geometries are not counted)."""
        return int(self.raster.nbytes + self.cand_start.nbytes + self.cand_grid.nbytes)

    @property
    def ambiguous_share(self) -> float:
        return float(np.mean(self.raster <= _AMBIGUOUS))

    # ---- querying ---------------------------------------------------------------------
    def locate(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> Located:
        """Grid index for every point (vectorised)."""
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        col = np.floor((x - self.x0) / self.cell)
        row = np.floor((self.y1 - y) / self.cell)
        inside = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)
        result = np.full(x.shape, OUTSIDE, dtype=np.int32)
        result[inside] = self.raster[row[inside].astype(np.intp), col[inside].astype(np.intp)]
        on_edge = np.zeros(x.shape, dtype=bool)
        todo = np.flatnonzero(result <= _AMBIGUOUS)
        if todo.size:
            slot = _AMBIGUOUS - result[todo]
            result[todo] = OUTSIDE
            self._resolve(todo, slot, x, y, result, on_edge)
        return Located(index=result, on_edge=on_edge)

    def _resolve(
        self,
        todo: NDArray[np.intp],
        slot: NDArray[np.int32],
        x: NDArray[np.float64],
        y: NDArray[np.float64],
        result: NDArray[np.int32],
        on_edge: NDArray[np.bool_],
    ) -> None:
        """Exact answers for points in boundary cells: test the cell's candidates in order."""
        first, count = self.cand_start[slot], np.diff(self.cand_start)[slot]
        px, py = x[todo], y[todo]
        open_ = np.ones(todo.size, dtype=bool)
        # interiors first; then the edge rule for points on a boundary (first candidate wins)
        for predicate, edge in ((shapely.contains_xy, False), (shapely.intersects_xy, True)):
            for j in range(int(count.max())):
                k = np.flatnonzero(open_ & (count > j))
                if not k.size:
                    break
                grid = self.cand_grid[first[k] + j]
                hit = predicate(self.geometries[grid], px[k], py[k])
                result[todo[k[hit]]] = grid[hit]
                on_edge[todo[k[hit]]] = edge
                open_[k[hit]] = False

    def locate_one(self, x: float, y: float) -> int:
        """Grid index of one point, -1 when outside (the online path for one report)."""
        col = int((x - self.x0) // self.cell)
        row = int((self.y1 - y) // self.cell)
        if not (0 <= col < self.nx and 0 <= row < self.ny):
            return OUTSIDE
        value = int(self.raster.item(row, col))
        if value > _AMBIGUOUS:
            return value
        slot = _AMBIGUOUS - value
        candidates = self.cand_grid[self.cand_start[slot] : self.cand_start[slot + 1]].tolist()
        for predicate in (shapely.contains_xy, shapely.intersects_xy):
            for grid in candidates:
                if predicate(self.geometries[grid], x, y):
                    return int(grid)
        return OUTSIDE

    def nearest(
        self, x: NDArray[np.float64], y: NDArray[np.float64]
    ) -> tuple[NDArray[np.int32], NDArray[np.float64]]:
        """Nearest grid to each point and the great-circle distance to it in metres."""
        points = np.asarray(shapely.points(x, y), dtype=object)
        p_idx, g_idx = self.tree.query_nearest(points, all_matches=False)
        grid = np.full(len(points), OUTSIDE, dtype=np.int32)
        metres = np.full(len(points), np.nan)
        grid[p_idx] = g_idx
        lines = shapely.shortest_line(points[p_idx], self.geometries[g_idx])
        ends = shapely.get_coordinates(lines).reshape(-1, 2, 2)
        metres[p_idx] = haversine_m(ends[:, 0, 0], ends[:, 0, 1], ends[:, 1, 0], ends[:, 1, 1])
        return grid, metres


def haversine_m(
    lon1: NDArray[np.float64],
    lat1: NDArray[np.float64],
    lon2: NDArray[np.float64],
    lat2: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Great-circle distance in metres on a sphere of the mean Earth radius."""
    la1, la2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = la2 - la1, np.radians(lon2 - lon1)
    h = np.sin(dlat / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin(dlon / 2) ** 2
    distance: NDArray[np.float64] = 2 * 6_371_008.8 * np.arcsin(np.sqrt(h))
    return distance


def _scanline_fill(
    segments: NDArray[np.float64], owners: NDArray[np.int64], nx: int, ny: int
) -> NDArray[np.int32]:
    """Owner of each cell centre by the even-odd rule (-1 outside), for non-overlapping grids."""
    x0, y0, x1, y1 = segments.T
    ylo, yhi = np.minimum(y0, y1), np.maximum(y0, y1)
    first = np.ceil(ylo - 0.5).astype(np.int64)  # rows whose centre r + 0.5 is in [ylo, yhi)
    count = np.maximum(np.ceil(yhi - 0.5).astype(np.int64) - first, 0)
    seg = np.repeat(np.arange(len(count)), count)
    row = first[seg] + (np.arange(len(seg)) - np.repeat(np.cumsum(count) - count, count))
    yc = row + 0.5
    xc = x0[seg] + (yc - y0[seg]) * (x1 - x0)[seg] / (y1 - y0)[seg]
    who = owners[seg]
    order = np.lexsort((xc, row, who))
    xc, row, who = xc[order], row[order], who[order]
    a, b = slice(0, None, 2), slice(1, None, 2)  # crossings pair up per (grid, row)
    c_from = np.clip(np.ceil(xc[a] - 0.5).astype(np.int64), 0, nx)
    c_to = np.clip(np.ceil(xc[b] - 0.5).astype(np.int64), 0, nx)
    keep = (c_to > c_from) & (row[a] >= 0) & (row[a] < ny)
    diff = np.zeros((ny, nx + 1), dtype=np.int32)
    value = (who[a] + 1).astype(np.int32)[keep]
    np.add.at(diff, (row[a][keep], c_from[keep]), value)
    np.add.at(diff, (row[a][keep], c_to[keep]), -value)
    return np.cumsum(diff[:, :nx], axis=1, dtype=np.int32) - 1


def _supercover(
    segments: NDArray[np.float64], owners: NDArray[np.int64], nx: int, ny: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Every raster cell each segment passes through or touches, with the segment's owner.

    Exactly those cells, and no others: a boundary cell must list every grid that touches it,
    which holds when the cells marked are precisely the ones boundaries touch (a grid touching
    a cell without its boundary touching it contains the whole cell, so no other grid can be
    there). Segments (x0, y0, x1, y1 in cell units) are sampled every half cell; between two
    samples a segment crosses at most one column line and one row line, and when it crosses
    both, the cell it passes on the way is the one whose line it meets first (both, when it
    goes exactly through the corner). Samples lying exactly on a cell line also mark the
    cell on the other side, so points on shared edges always land in a boundary cell.
    """
    x0, y0, x1, y1 = segments.T
    n = np.ceil(np.hypot(x1 - x0, y1 - y0) * 2).astype(np.int64) + 1
    seg = np.repeat(np.arange(len(n)), n)
    t = (np.arange(len(seg)) - np.repeat(np.cumsum(n) - n, n)) / np.maximum(n - 1, 1)[seg]
    px = x0[seg] + t * (x1 - x0)[seg]
    py = y0[seg] + t * (y1 - y0)[seg]
    col, row = np.floor(px).astype(np.int64), np.floor(py).astype(np.int64)
    same = seg[1:] == seg[:-1]
    k = np.flatnonzero(same & (col[1:] != col[:-1]) & (row[1:] != row[:-1]))
    c0, r0, c1, r1 = col[k], row[k], col[k + 1], row[k + 1]
    # parameter along the step where it meets the column line and the row line between cells
    t_col = (np.maximum(c0, c1) - px[k]) / (px[k + 1] - px[k])
    t_row = (np.maximum(r0, r1) - py[k]) / (py[k + 1] - py[k])
    col_first, row_first = t_col <= t_row, t_row <= t_col
    on_col, on_row = px == col, py == row
    both = on_col & on_row
    cols = [col, c1[col_first], c0[row_first], col[on_col] - 1, col[on_row], col[both] - 1]
    rows = [row, r0[col_first], r1[row_first], row[on_col], row[on_row] - 1, row[both] - 1]
    who_parts = [seg, seg[k][col_first], seg[k][row_first], seg[on_col], seg[on_row], seg[both]]
    c, r = np.concatenate(cols), np.concatenate(rows)
    who = owners[np.concatenate(who_parts)]
    ok = (c >= 0) & (c < nx) & (r >= 0) & (r < ny)
    return r[ok] * nx + c[ok], who[ok]
