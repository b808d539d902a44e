#include "rules/interval_proof.h"

#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <unordered_map>

namespace outcheck::rules {

namespace {

constexpr double kZ[] = {1.959964, 1.96};

// P(X <= n) for X ~ Poisson(mu), summed in log space (n is at most kMaxEvents + 1).
double poisson_cdf(int n, double mu) {
  double term = std::exp(-mu);  // j = 0
  double sum = term;
  for (int j = 1; j <= n; ++j) {
    term *= mu / j;
    sum += term;
  }
  return sum;
}

// The mu at which P(X <= n) falls to `p` (it falls as mu grows): bisection.
double poisson_mean_where_cdf(int n, double p) {
  double lo = 0, hi = 2.0 * n + 50;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (poisson_cdf(n, mid) > p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

// Garwood's exact 95% interval for k events, per unit of exposure.
struct Shape {
  double lower, upper;
};
Shape exact_poisson_bounds(int k) {
  // L: P(X >= k) = 0.025, i.e. P(X <= k - 1) = 0.975. U: P(X <= k) = 0.025.
  return {poisson_mean_where_cdf(k - 1, 0.975), poisson_mean_where_cdf(k, 0.025)};
}

// Computed once: a constant of arithmetic, like a printed table of quantiles.
const Shape& exact_poisson(int k) {
  static const std::array<Shape, kMaxEvents + 1> table = [] {
    std::array<Shape, kMaxEvents + 1> t{};
    for (int i = 1; i <= kMaxEvents; ++i) t[static_cast<std::size_t>(i)] = exact_poisson_bounds(i);
    return t;
  }();
  return table[static_cast<std::size_t>(k)];
}

// Whether some positive scale c puts lower and upper within their printed precision of
// c * shape.lower and c * shape.upper.
bool fits(const Printed& lower, const Printed& upper, const Shape& shape) {
  if (shape.lower <= 0 || shape.upper <= 0) return false;
  const double lo = std::max((lower.value - lower.tolerance) / shape.lower, (upper.value - upper.tolerance) / shape.upper);
  const double hi = std::min((lower.value + lower.tolerance) / shape.lower, (upper.value + upper.tolerance) / shape.upper);
  return lo <= hi && hi > 0;
}

std::optional<std::int64_t> only_fit(const Printed& lower, const Printed& upper, IntervalModel model) {
  std::optional<std::int64_t> found;
  for (int k = 1; k <= kMaxEvents; ++k) {
    bool fit = false;
    if (model == IntervalModel::exact_poisson) {
      fit = fits(lower, upper, exact_poisson(k));
    } else {
      for (double z : kZ) {
        const double w = z / std::sqrt(static_cast<double>(k));
        const Shape s = model == IntervalModel::normal ? Shape{1 - w, 1 + w} : Shape{std::exp(-w), std::exp(w)};
        fit = fit || fits(lower, upper, s);
      }
    }
    if (!fit) continue;
    if (found) return std::nullopt;  // two counts fit: the bounds do not say which
    found = k;
  }
  return found;
}

std::string lowered(const std::string& s) {
  std::string out = s;
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

// A word of a header (a run of letters and digits) and where it starts.
struct Word {
  std::size_t at;
  std::string text;
};

constexpr std::array<std::pair<const char*, const char*>, 9> kBoundWords = {{
    {"lci", "uci"}, {"lcl", "ucl"}, {"lower", "upper"}, {"ll", "ul"}, {"low", "high"},
    {"lb", "ub"},   {"lo", "hi"},   {"cilow", "cihigh"}, {"lowerci", "upperci"},
}};

}  // namespace

const char* interval_model_name(IntervalModel m) {
  switch (m) {
    case IntervalModel::exact_poisson: return "exact Poisson";
    case IntervalModel::normal: return "normal-approximation";
    case IntervalModel::log_normal: return "log-normal";
  }
  return "";
}

std::optional<ImpliedCount> interval_implied_count(const Printed& lower, const Printed& upper) {
  if (!(lower.value > 0) || !(upper.value > lower.value)) return std::nullopt;
  for (IntervalModel m : {IntervalModel::exact_poisson, IntervalModel::normal, IntervalModel::log_normal}) {
    if (const auto k = only_fit(lower, upper, m)) return ImpliedCount{m, *k};
  }
  return std::nullopt;
}

std::vector<BoundPair> bound_pairs(std::span<const std::string> header) {
  // Most headers hold no bound word: they are found without copying a name (a table may have a
  // million columns), and only then are the names looked up by their lowered text.
  struct Candidate {
    std::size_t column;
    Word word;
    const char* partner_word;
  };
  std::vector<Candidate> candidates;
  for (std::size_t c = 0; c < header.size(); ++c) {
    const std::string& name = header[c];
    for (std::size_t i = 0; i < name.size();) {
      if (!std::isalnum(static_cast<unsigned char>(name[i]))) {
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j < name.size() && std::isalnum(static_cast<unsigned char>(name[j]))) ++j;
      if (j - i <= 7) {  // the longest bound word ("lowerci")
        const std::string w = lowered(name.substr(i, j - i));
        for (const auto& [low, high] : kBoundWords) {
          if (w == low) candidates.push_back({c, {i, w}, high});
        }
      }
      i = j;
    }
  }
  std::vector<BoundPair> out;
  if (candidates.empty()) return out;
  std::unordered_map<std::string, std::vector<int>> by_name;
  for (std::size_t d = 0; d < header.size(); ++d) by_name[lowered(header[d])].push_back(static_cast<int>(d));
  // Each bound's partner name, and the bounds that share it (in column order).
  std::vector<std::string> partners;
  std::vector<std::size_t> nth_of;  // each bound's place among those sharing its partner name
  std::unordered_map<std::string, std::size_t> sharing;
  for (const Candidate& k : candidates) {
    std::string partner = lowered(header[k.column]);
    partner.replace(k.word.at, k.word.text.size(), k.partner_word);
    nth_of.push_back(sharing[partner]++);
    partners.push_back(std::move(partner));
  }
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const auto it = by_name.find(partners[i]);
    if (it == by_name.end()) continue;
    const auto column = static_cast<int>(candidates[i].column);
    // A partner name is never the bound's own (its bound word is replaced by another).
    const std::vector<int>& others = it->second;
    const std::size_t peers = sharing[partners[i]], nth = nth_of[i];
    // Where names repeat (one interval per group: lower, upper, lower, upper, or the lowers in a
    // block before the uppers), the k-th bound goes with the k-th partner. Pairing each with every
    // one made K x K pairs of K groups (8,000 groups: 64 million, and a gigabyte); it is kept only
    // where the counts differ and the pairs stay few, else the k-th goes with the k-th and each one
    // left over with its nearest partner (the last bound with each partner left over), so that no
    // bound column goes unpaired.
    if (others.size() == 1 || (peers != others.size() && peers * others.size() <= 4096)) {
      for (int d : others) out.push_back({column, d});
      continue;
    }
    if (nth < others.size()) out.push_back({column, others[nth]});
    if (peers == others.size()) continue;
    if (nth >= others.size()) {
      int nearest = others.front();
      for (int d : others) {
        if (std::abs(d - column) < std::abs(nearest - column)) nearest = d;
      }
      out.push_back({column, nearest});
    } else if (nth + 1 == peers) {
      for (std::size_t j = peers; j < others.size(); ++j) out.push_back({column, others[j]});
    }
  }
  return out;
}

}  // namespace outcheck::rules
