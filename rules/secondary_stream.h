#pragma once
// Secondary disclosure read as the rows stream past (policy.md "Tables with totals and secondary
// disclosure"; rules/secondary.h for the analysis). No row is held: each body row gives its count
// cells' sum to its column's running sum, and is kept only when it holds a redacted cell, as its
// residual (its total minus its published cells) and those cells. The first total row gives the
// column totals. At the end the redacted cells and the line residuals form a small grid, whose
// bridges find_exposures solves. Memory grows with the columns and the redacted cells, never with
// rows x columns.
//
// The table's layout is decided once, from the roles (as make_layout decides it for a held table):
// the first identifier or category column labels rows, and a row it labels as a total is a total
// row; the first count column headed as a total is the total column; the other count columns are
// the body.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/column_roles.h"
#include "rules/compiled_policy.h"
#include "rules/record_batch.h"

namespace outcheck::rules {

struct StreamColumn {
  std::string name;
  Role role = Role::category;
  std::int64_t base = 0;  // the base its counts are rounded to when not the policy's (6 for midpoint-6); 0: the policy's
};

struct StreamExposure {
  std::int64_t record = 0;  // 1-based data record of the redacted cell
  int column = 0;           // its column in the table
  std::string text;         // the cell as written
  std::int64_t value = 0;   // what the totals give back
  bool via_row = false;
  // The margins that give it back, for the message: the total column's index in the table when row
  // totals were used, else -1; the total row's record and label when column totals were used, else 0.
  int total_column = -1;
  std::int64_t total_row_record = 0;
  std::string total_row_label;
};

class SecondaryStream {
 public:
  // Redacted cells kept at most; past them the analysis stops and capped() says so.
  static constexpr std::size_t kMaxRedactedCells = 1'000'000;

  SecondaryStream(const CompiledPolicy& policy, std::vector<StreamColumn> columns,
                  std::size_t max_redacted_cells = kMaxRedactedCells);

  // The batch's first `count` records, in table order; only the cells the analysis uses are read
  // (a short record's missing cells read as empty).
  void rows(const RecordBatch& batch, std::size_t count);

  // Whether more redacted cells came than are kept: finish() then finds nothing, and the caller
  // must say the rule did not run.
  bool capped() const { return capped_; }

  // The redacted cells the published totals and cells give back, in row then column order.
  std::vector<StreamExposure> finish() const;

 private:
  struct BodyColumn {
    int column = 0;
    std::int64_t noise = 0;  // half its rounding base: how far a published count may be from the true one
    std::int64_t sum = 0;    // of its published cells over the body rows
    bool all_published = true;
    bool unknown = false;  // a cell that is neither a count nor a redaction: no residual on this line
    std::optional<std::int64_t> total;
  };
  struct KeptRow {
    std::int64_t record = 0;
    std::optional<std::int64_t> residual;  // total minus published cells; none without a usable total
    std::vector<std::pair<int, std::string>> redacted;  // body column index, cell text
  };

  // Record r alone: a total row, or a batch whose count cells the column loop did not note.
  void row(const RecordBatch& batch, std::size_t r);
  // Body records [from, to) of a batch whose count cells were noted, a column at a time: the
  // column and line sums are the same additions in the same order as row() makes, and only the
  // records holding a redacted cell, or whose total must be tried, are visited on their own.
  void body_rows(const RecordBatch& batch, std::size_t from, std::size_t to);
  bool is_total_row(const RecordBatch& batch, std::size_t r) const;
  // A body line read: its published cells' sum, whether a cell of it can be solved over by
  // nothing, its total if any, and its redacted cells in scratch_.
  void end_line(std::int64_t record, std::int64_t sum, bool unknown, std::optional<std::int64_t> total);
  // Whether a fully published line whose cells sum to `sum` shows the total column is no total:
  // its `total` is further from the sum than the rounding noise of its cells and total allows.
  bool disproves_rows(std::int64_t total, std::int64_t sum) const;

  const CompiledPolicy& policy_;
  int category_col_ = -1;
  int total_col_ = -1;
  std::int64_t total_noise_ = 0;
  std::vector<BodyColumn> body_;
  std::int64_t line_slack_ = 0;  // total_noise_ and every body column's noise: a line's allowance
  std::size_t max_redacted_;
  std::size_t redacted_ = 0;
  std::int64_t body_rows_ = 0;
  bool total_row_seen_ = false;
  std::int64_t total_row_record_ = 0;
  std::string total_row_label_;
  bool rows_disproved_ = false;
  bool capped_ = false;
  std::vector<KeptRow> kept_;
  std::vector<std::pair<int, std::string>> scratch_;
  // Per record of the body rows being read (reused): the sum of its published cells, and whether
  // it holds a redacted cell (kRedacted) or a cell nothing can be solved over (kUnknown).
  std::vector<std::int64_t> line_sum_;
  std::vector<std::uint8_t> line_flags_;
  std::vector<std::size_t> total_rows_;  // the total rows of the batch being read, then its size
};

}  // namespace outcheck::rules
