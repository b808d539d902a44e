#include "rules/secondary.h"

#include <algorithm>

namespace outcheck::rules {

namespace {

struct Edge {
  int a, b;  // a: row node (r), b: column node (rows + c)
  int row, col;
};

// Bridges by Tarjan's low-link, iteratively (a table may have thousands of lines).
std::vector<bool> find_bridges(int nodes, const std::vector<Edge>& edges, const std::vector<std::vector<int>>& adj) {
  std::vector<bool> bridge(edges.size(), false);
  std::vector<int> disc(nodes, -1), low(nodes, 0);
  int timer = 0;
  struct Frame { int node, parent_edge; std::size_t next; };
  for (int s = 0; s < nodes; ++s) {
    if (disc[s] != -1 || adj[s].empty()) continue;
    std::vector<Frame> stack{{s, -1, 0}};
    disc[s] = low[s] = timer++;
    while (!stack.empty()) {
      Frame& f = stack.back();
      if (f.next < adj[f.node].size()) {
        int e = adj[f.node][f.next++];
        if (e == f.parent_edge) continue;
        int to = edges[e].a == f.node ? edges[e].b : edges[e].a;
        if (disc[to] == -1) {
          disc[to] = low[to] = timer++;
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
          if (low[node] > disc[parent]) bridge[pe] = true;
        }
      }
    }
  }
  return bridge;
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
  std::vector<bool> bridge = find_bridges(nodes, edges, adj);

  std::vector<Exposure> out;
  std::vector<int> seen(nodes, -1);
  for (std::size_t e = 0; e < edges.size(); ++e) {
    if (!bridge[e]) continue;
    // The side of the row node once this edge is removed.
    std::vector<int> side{edges[e].a};
    seen[edges[e].a] = static_cast<int>(e);
    for (std::size_t i = 0; i < side.size(); ++i) {
      for (int f : adj[side[i]]) {
        if (f == static_cast<int>(e)) continue;
        int to = edges[f].a == side[i] ? edges[f].b : edges[f].a;
        if (seen[to] != static_cast<int>(e)) {
          seen[to] = static_cast<int>(e);
          side.push_back(to);
        }
      }
    }
    // Row side: value = sum(row residuals) - sum(column residuals) over its nodes.
    auto solve = [&](const std::vector<int>& nodes_of_side, int sign) -> std::optional<std::int64_t> {
      std::int64_t v = 0;
      for (int n : nodes_of_side) {
        const auto& res = n < g.rows ? row_res[n] : col_res[n - g.rows];
        if (!res) return std::nullopt;
        // Residuals of hostile 18-digit cells may not sum in 64 bits: then nothing is solved.
        const bool overflow = (n < g.rows ? sign : -sign) > 0 ? __builtin_add_overflow(v, *res, &v)
                                                               : __builtin_sub_overflow(v, *res, &v);
        if (overflow) return std::nullopt;
      }
      return v;
    };
    std::optional<std::int64_t> value = solve(side, +1);
    bool via_row = value.has_value();
    std::vector<int> other_side;
    if (!value) {
      // The column's side: every node of the component not on the row's side.
      std::vector<int>& other = other_side;
      other.push_back(edges[e].b);
      std::vector<bool> in_other(nodes, false);
      in_other[edges[e].b] = true;
      for (std::size_t i = 0; i < other.size(); ++i) {
        for (int f : adj[other[i]]) {
          if (f == static_cast<int>(e)) continue;
          int to = edges[f].a == other[i] ? edges[f].b : edges[f].a;
          if (!in_other[to]) {
            in_other[to] = true;
            other.push_back(to);
          }
        }
      }
      value = solve(other, -1);
    }
    if (value && *value != 0) {
      const std::vector<int>& used = via_row ? side : other_side;
      Exposure x{edges[e].row, edges[e].col, *value, via_row, false, false};
      for (int n : used) (n < g.rows ? x.uses_row_totals : x.uses_col_totals) = true;
      out.push_back(x);
    }
  }
  return out;
}

}  // namespace outcheck::rules
