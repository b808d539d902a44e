#include "rules/secondary.h"

#include <algorithm>
#include <limits>

namespace outcheck::rules {

namespace {

struct Edge {
  int a, b;  // a: row node (r), b: column node (rows + c)
  int row, col;
};

// What the totals say of a set of lines: the sum of their residuals, row lines counted positive and
// column lines negative (in 128 bits: 2^31 lines of 64-bit residuals cannot overflow it), and how
// many of them have none (no total, or a cell neither published nor redacted).
struct SideSums {
  __int128 sum = 0;
  int missing = 0;
  int rows = 0, cols = 0;  // row lines and column lines among them
  SideSums& operator+=(const SideSums& o) {
    sum += o.sum;
    missing += o.missing;
    rows += o.rows;
    cols += o.cols;
    return *this;
  }
  SideSums operator-(const SideSums& o) const {
    SideSums d = *this;
    d.sum -= o.sum;
    d.missing -= o.missing;
    d.rows -= o.rows;
    d.cols -= o.cols;
    return d;
  }
};

// Bridges by Tarjan's low-link, iteratively (a table may have thousands of lines). A bridge splits
// its component in two: the subtree of the depth-first search below it, and the rest. Each node's
// subtree sums, and each component's, are kept on the way, so that both sides of every bridge are
// known without walking them (a star of 100,000 redacted cells has 100,000 bridges).
struct Bridges {
  std::vector<int> child;        // per edge: the node below it, if it is a bridge, else -1
  std::vector<SideSums> below;   // per node: its subtree's sums
  std::vector<int> root;         // per node: its component's first node
};

Bridges find_bridges(int nodes, const std::vector<Edge>& edges, const std::vector<std::vector<int>>& adj,
                     const std::vector<SideSums>& own) {
  Bridges b;
  b.child.assign(edges.size(), -1);
  b.below = own;
  b.root.assign(nodes, -1);
  std::vector<int> disc(nodes, -1), low(nodes, 0);
  int timer = 0;
  struct Frame { int node, parent_edge; std::size_t next; };
  for (int s = 0; s < nodes; ++s) {
    if (disc[s] != -1 || adj[s].empty()) continue;
    std::vector<Frame> stack{{s, -1, 0}};
    disc[s] = low[s] = timer++;
    b.root[s] = s;
    while (!stack.empty()) {
      Frame& f = stack.back();
      if (f.next < adj[f.node].size()) {
        int e = adj[f.node][f.next++];
        if (e == f.parent_edge) continue;
        int to = edges[e].a == f.node ? edges[e].b : edges[e].a;
        if (disc[to] == -1) {
          disc[to] = low[to] = timer++;
          b.root[to] = s;
          stack.push_back({to, e, 0});
        } else {
          low[f.node] = std::min(low[f.node], disc[to]);
        }
      } else {
        int node = f.node, pe = f.parent_edge;
        stack.pop_back();
        if (!stack.empty()) {
          int parent = stack.back().node;
          low[parent] = std::min(low[parent], low[node]);
          b.below[parent] += b.below[node];
          if (low[node] > disc[parent]) b.child[pe] = node;
        }
      }
    }
  }
  return b;
}

}  // namespace

std::vector<Exposure> find_exposures(const Grid& g) {
  // Residual of each line: its total minus its published cells; absent when it has no total or
  // holds a cell that is neither published nor redacted.
  std::vector<std::optional<std::int64_t>> row_res(g.rows), col_res(g.cols);
  for (int r = 0; r < g.rows; ++r) {
    if (!g.row_total[r]) continue;
    std::int64_t res = *g.row_total[r];
    bool ok = true;
    for (int c = 0; c < g.cols; ++c) {
      auto s = g.state[g.at(r, c)];
      if (s == Grid::State::published) ok = ok && !__builtin_sub_overflow(res, g.value[g.at(r, c)], &res);
      else if (s == Grid::State::unknown) ok = false;
    }
    if (ok) row_res[r] = res;
  }
  for (int c = 0; c < g.cols; ++c) {
    if (!g.col_total[c]) continue;
    std::int64_t res = *g.col_total[c];
    bool ok = true;
    for (int r = 0; r < g.rows; ++r) {
      auto s = g.state[g.at(r, c)];
      if (s == Grid::State::published) ok = ok && !__builtin_sub_overflow(res, g.value[g.at(r, c)], &res);
      else if (s == Grid::State::unknown) ok = false;
    }
    if (ok) col_res[c] = res;
  }

  const int nodes = g.rows + g.cols;
  std::vector<Edge> edges;
  std::vector<std::vector<int>> adj(nodes);
  for (int r = 0; r < g.rows; ++r) {
    for (int c = 0; c < g.cols; ++c) {
      if (g.state[g.at(r, c)] != Grid::State::redacted) continue;
      int e = static_cast<int>(edges.size());
      edges.push_back({r, g.rows + c, r, c});
      adj[r].push_back(e);
      adj[g.rows + c].push_back(e);
    }
  }
  std::vector<SideSums> own(nodes);
  for (int n = 0; n < nodes; ++n) {
    const bool row = n < g.rows;
    const auto& res = row ? row_res[n] : col_res[n - g.rows];
    if (res) own[n].sum = row ? *res : -static_cast<__int128>(*res);
    else own[n].missing = 1;
    (row ? own[n].rows : own[n].cols) = 1;
  }
  const Bridges bridges = find_bridges(nodes, edges, adj, own);

  // A side's cell value: the sum of its lines' residuals, when each has one and the sum is a 64-bit
  // number (the residuals of hostile 18-digit cells may not give one: then nothing is solved).
  auto solve = [](const SideSums& side, int sign) -> std::optional<std::int64_t> {
    if (side.missing > 0) return std::nullopt;
    const __int128 v = sign > 0 ? side.sum : -side.sum;
    if (v < std::numeric_limits<std::int64_t>::min() || v > std::numeric_limits<std::int64_t>::max()) return std::nullopt;
    return static_cast<std::int64_t>(v);
  };
  std::vector<Exposure> out;
  for (std::size_t e = 0; e < edges.size(); ++e) {
    const int child = bridges.child[e];
    if (child < 0) continue;
    // The two sides once this edge is removed: the row node's, and the column node's.
    const SideSums below = bridges.below[child];
    const SideSums rest = bridges.below[bridges.root[child]] - below;
    const bool row_below = child == edges[e].a;
    const SideSums& row_side = row_below ? below : rest;
    const SideSums& col_side = row_below ? rest : below;
    // Row side: value = sum(row residuals) - sum(column residuals) over its lines; else the column
    // side's, the other way round.
    std::optional<std::int64_t> value = solve(row_side, +1);
    const bool via_row = value.has_value();
    if (!value) value = solve(col_side, -1);
    if (value && *value != 0) {
      const SideSums& used = via_row ? row_side : col_side;
      out.push_back(Exposure{edges[e].row, edges[e].col, *value, via_row, used.rows > 0, used.cols > 0});
    }
  }
  return out;
}

}  // namespace outcheck::rules
