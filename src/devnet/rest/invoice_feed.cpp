// SubscribeInvoices: replay, then live events, deduplicated by index.
#include "rest/invoice_feed.hpp"

#include <utility>
#include <vector>

namespace l402::devnet_rest {
namespace {

// Rows fetched per replay query.
constexpr std::size_t kReplayPage = 500;

bool is_settle_event(const DevnetInvoice& invoice) {
  return invoice.status.state == InvoiceState::kSettled;
}

}  // namespace

void InvoiceFeed::State::deliver_if_new(const DevnetInvoice& invoice) {
  if (invoice.account != account) return;
  if (is_settle_event(invoice)) {
    if (invoice.status.settle_index <= last_settle) return;
    last_settle = invoice.status.settle_index;
  } else {
    if (invoice.add_index <= last_add) return;
    last_add = invoice.add_index;
  }
  sink(invoice);
}

Result<std::unique_ptr<InvoiceFeed>> InvoiceFeed::start(DevnetNode& node, std::string account,
                                                        std::uint64_t add_index,
                                                        std::uint64_t settle_index, Sink sink) {
  auto state = std::make_shared<State>();
  state->account = std::move(account);
  state->sink = std::move(sink);
  // Replayed and live events are told apart by index: anything at or below the indexes the
  // subscriber already has is not sent again.
  state->last_add = add_index;
  state->last_settle = settle_index;
  std::unique_ptr<InvoiceFeed> feed(new InvoiceFeed(node, state));

  // Subscribe first so that nothing changing during the replay is lost; the listener holds
  // such events back until the replay is done.
  feed->subscription_ = node.subscribe([state](const DevnetInvoice& invoice) {
    const std::lock_guard<std::mutex> lock(state->mu);
    if (!state->replayed) {
      state->early.push_back(invoice);
      return;
    }
    state->deliver_if_new(invoice);
  });

  if (add_index > 0) {
    std::uint64_t after = add_index;
    for (;;) {
      Result<std::vector<DevnetInvoice>> page = node.invoices_added_after(after, kReplayPage);
      if (!page.ok()) return std::move(page).error();
      if (page->empty()) break;
      after = page->back().add_index;
      const std::lock_guard<std::mutex> lock(state->mu);
      for (const DevnetInvoice& invoice : *page) {
        if (invoice.account != state->account || invoice.add_index <= state->last_add) continue;
        state->last_add = invoice.add_index;
        // Like LND, a replayed add event shows the invoice as it is now (maybe settled).
        state->sink(invoice);
      }
      if (page->size() < kReplayPage) break;
    }
  }
  if (settle_index > 0) {
    std::uint64_t after = settle_index;
    for (;;) {
      Result<std::vector<DevnetInvoice>> page = node.invoices_settled_after(after, kReplayPage);
      if (!page.ok()) return std::move(page).error();
      if (page->empty()) break;
      after = page->back().status.settle_index;
      const std::lock_guard<std::mutex> lock(state->mu);
      for (const DevnetInvoice& invoice : *page) state->deliver_if_new(invoice);
      if (page->size() < kReplayPage) break;
    }
  }

  const std::lock_guard<std::mutex> lock(state->mu);
  state->replayed = true;
  for (const DevnetInvoice& invoice : state->early) state->deliver_if_new(invoice);
  state->early.clear();
  return feed;
}

InvoiceFeed::~InvoiceFeed() { node_.unsubscribe(subscription_); }

}  // namespace l402::devnet_rest
