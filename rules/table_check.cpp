#include "rules/table_check.h"

namespace outcheck::rules {

struct TableCheck::Impl {
  std::shared_ptr<const CompiledPolicy> policy;
  std::vector<std::string> header;
  std::vector<HeaderRole> header_roles;
};

TableCheck::TableCheck(std::shared_ptr<const CompiledPolicy> policy) : impl_(std::make_unique<Impl>()) {
  impl_->policy = std::move(policy);
}

TableCheck::~TableCheck() = default;

void TableCheck::header(std::span<const std::string_view> fields) {
  for (auto f : fields) {
    impl_->header.emplace_back(f);
    impl_->header_roles.push_back(impl_->policy->header_role(f));
  }
}

void TableCheck::record(std::int64_t, std::span<const std::string_view>) {}

void TableCheck::finish(FindingList& out) {
  for (std::size_t i = 0; i < impl_->header.size(); ++i) {
    if (impl_->header_roles[i] == HeaderRole::patient_identifier) {
      Finding f;
      f.rule = "patient_id";
      f.outcome = Outcome::blocked;
      f.column = impl_->header[i];
      f.message = "column \"" + impl_->header[i] + "\" identifies patients: patient-level data may never leave";
      out.add(std::move(f));
    }
  }
}

}  // namespace outcheck::rules
