#include "rules/interval_proof.h"

#include <array>
#include <cctype>
#include <cmath>
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
  for (const Candidate& k : candidates) {
    std::string partner = lowered(header[k.column]);
    partner.replace(k.word.at, k.word.text.size(), k.partner_word);
    const auto it = by_name.find(partner);
    if (it == by_name.end()) continue;
    // Where the name is repeated (lower, upper, lower, upper: one pair per group), a bound goes with
    // the nearest of its partners, the one after it on a tie: pairing each with every one made
    // K x K pairs of K groups (8,000 groups: 64 million, and a gigabyte).
    int nearest = -1;
    std::size_t distance = 0;
    for (int d : it->second) {
      const auto col = static_cast<std::size_t>(d);
      if (col == k.column) continue;
      const std::size_t apart = col > k.column ? col - k.column : k.column - col;
      if (nearest < 0 || apart < distance || (apart == distance && col > k.column)) {
        nearest = d;
        distance = apart;
      }
    }
    if (nearest >= 0) out.push_back({static_cast<int>(k.column), nearest});
  }
  return out;
}

}  // namespace outcheck::rules
