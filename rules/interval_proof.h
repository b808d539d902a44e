#pragma once
// Counts implied by a confidence interval (issue: an interval bound that gives back a redacted
// count). A 95% interval for a rate built from k events fixes k by its shape alone, whatever the
// person-time or the scale it is printed per:
//   exact Poisson (Garwood)   L = G(0.025; k) c,  U = G(0.975; k + 1) c   (G: the gamma quantile)
//   normal approximation      L, U = r (1 -/+ z / sqrt(k)),               r = k c
//   log-normal (log rate)     L, U = r exp(-/+ z / sqrt(k))
// with z = 1.96 and c = scale / person-time unknown. A pair of bounds printed precisely enough that
// one k in 1..kMaxEvents, and no other, fits under one of these models gives that k back.
// Pure arithmetic over the printed bounds; pairs of bound columns are found by their names.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "rules/derived_proof.h"

namespace outcheck::rules {

enum class IntervalModel { exact_poisson, normal, log_normal };
const char* interval_model_name(IntervalModel m);

// Candidate counts are searched in 1..kMaxEvents; a fit is reported only when it is unique there.
inline constexpr int kMaxEvents = 200;

struct ImpliedCount {
  IntervalModel model = IntervalModel::exact_poisson;
  std::int64_t events = 0;
};

// The one count the interval [lower, upper] implies, under the first model that fits exactly one
// count; nothing when none does, or more than one count fits (the bounds are too coarse to say).
std::optional<ImpliedCount> interval_implied_count(const Printed& lower, const Printed& upper);

// Columns holding the lower and upper bounds of one interval: names that differ only in a bound
// word (lci/uci, lower/upper, ll/ul, lcl/ucl, low/high, lb/ub, lo/hi, min/max excluded). Where the names
// repeat (a pair per group), the k-th lower bound goes with the k-th upper.
struct BoundPair {
  int lower = -1;
  int upper = -1;
};
std::vector<BoundPair> bound_pairs(std::span<const std::string> header);

}  // namespace outcheck::rules
