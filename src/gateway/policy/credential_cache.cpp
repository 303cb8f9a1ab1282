#include "gateway/policy/credential_cache.hpp"

#include <functional>
#include <utility>

#include "l402/crypto.hpp"
#include "l402/secret.hpp"

namespace l402::gateway {
namespace {

void wipe_string(std::string& text) { secure_wipe(text.data(), text.size()); }

}  // namespace

std::size_t CredentialCache::KeyHash::operator()(const Scope& scope) const {
  const auto combine = [](std::size_t hash, std::size_t more) {
    return hash ^ (more + 0x9e3779b97f4a7c15ULL + (hash << 6) + (hash >> 2));
  };
  std::size_t hash = std::hash<std::string_view>{}(scope.authorization);
  hash = combine(hash, std::hash<const void*>{}(scope.route));
  return combine(hash, std::hash<std::string_view>{}(scope.capability));
}

bool CredentialCache::KeyEqual::operator()(const Scope& a, const Scope& b) const {
  return a.route == b.route && a.capability == b.capability &&
         constant_time_equal(a.authorization, b.authorization);
}

CredentialCache::CredentialCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

CredentialCache::~CredentialCache() { clear(); }

const CredentialCache::Entry* CredentialCache::find(const Scope& scope) const {
  const auto found = entries_.find(scope);
  return found == entries_.end() ? nullptr : &found->second;
}

const CredentialCache::Entry& CredentialCache::insert(const Scope& scope, Entry entry) {
  erase(scope);
  if (entries_.size() >= capacity_) clear();
  Key key{std::string(scope.authorization), scope.route, std::string(scope.capability)};
  return entries_.emplace(std::move(key), std::move(entry)).first->second;
}

void CredentialCache::erase(const Scope& scope) {
  const auto found = entries_.find(scope);
  if (found == entries_.end()) return;
  Map::node_type node = entries_.extract(found);
  wipe(node);
}

void CredentialCache::clear() {
  while (!entries_.empty()) {
    Map::node_type node = entries_.extract(entries_.begin());
    wipe(node);
  }
}

void CredentialCache::wipe(Map::node_type& node) {
  wipe_string(node.key().authorization);
  wipe_string(node.mapped().forwarded_authorization);
}

}  // namespace l402::gateway
