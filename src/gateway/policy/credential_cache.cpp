#include "gateway/policy/credential_cache.hpp"

#include <functional>
#include <utility>

#include "l402/crypto.hpp"
#include "l402/secret.hpp"

namespace l402::gateway {
namespace {

std::size_t hash_scope(std::string_view authorization, const void* route,
                       std::string_view capability) {
  std::size_t hash = std::hash<std::string_view>{}(authorization);
  hash ^= std::hash<const void*>{}(route) + 0x9e3779b97f4a7c15ULL + (hash << 6) + (hash >> 2);
  hash ^=
      std::hash<std::string_view>{}(capability) + 0x9e3779b97f4a7c15ULL + (hash << 6) + (hash >> 2);
  return hash;
}

void wipe_string(std::string& text) { secure_wipe(text.data(), text.size()); }

}  // namespace

std::size_t CredentialCache::KeyHash::operator()(const Key& key) const {
  return hash_scope(key.authorization, key.route, key.capability);
}

std::size_t CredentialCache::KeyHash::operator()(const Scope& scope) const {
  return hash_scope(scope.authorization, scope.route, scope.capability);
}

bool CredentialCache::KeyEqual::operator()(const Key& a, const Key& b) const {
  return a.route == b.route && a.capability == b.capability &&
         constant_time_equal(a.authorization, b.authorization);
}

bool CredentialCache::KeyEqual::operator()(const Scope& a, const Key& b) const {
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
