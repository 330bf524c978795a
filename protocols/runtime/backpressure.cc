#include "protocols/runtime/backpressure.h"

namespace wirelab::runtime {

const char* to_string(OverflowPolicy policy) {
  switch (policy) {
    case OverflowPolicy::block: return "block";
    case OverflowPolicy::reject: return "reject";
    case OverflowPolicy::shed_oldest: return "shed-oldest";
  }
  return "?";
}

const char* to_string(OfferOutcome outcome) {
  switch (outcome) {
    case OfferOutcome::accepted: return "accepted";
    case OfferOutcome::would_block: return "would-block";
    case OfferOutcome::rejected: return "rejected";
    case OfferOutcome::accepted_after_shedding: return "accepted-after-shedding";
  }
  return "?";
}

PressureSignal::PressureSignal(std::size_t high_watermark, std::size_t low_watermark,
                               std::function<void(bool)> on_change)
    : high_(high_watermark), low_(low_watermark), on_change_(std::move(on_change)) {
  if (low_watermark >= high_watermark) {
    throw std::invalid_argument("pressure signal: low watermark must be below high");
  }
}

void PressureSignal::observe(std::size_t depth) {
  if (!raised_ && depth >= high_) {
    raised_ = true;
    ++times_raised_;
    if (on_change_) on_change_(true);
  } else if (raised_ && depth <= low_) {
    raised_ = false;
    if (on_change_) on_change_(false);
  }
}

}  // namespace wirelab::runtime
