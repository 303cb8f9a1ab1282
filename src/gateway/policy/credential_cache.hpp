// CredentialCache: grants the Authority made recently, so that a client's next request with the
// same Authorization value (the usual case: one token, request after request) skips parsing,
// the preimage hash and the HMAC chain.
//
// A cached grant is only used for the very value it was made from, on the same route and for
// the same capability, under the same configuration snapshot and keyring snapshot: within
// those, verification depends on nothing else but time and the deny-list, which the caller
// checks again on every use (Authority::grant_lapsed). Values are compared in constant time.
// Cached values hold preimages: they are wiped when dropped. At most `capacity` entries; when
// full, all are dropped (a crowd of tokens larger than that is verified as without a cache).
//
// Thread safety: none. The gateway keeps one per I/O thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "l402/authority.hpp"
#include "l402/keyring.hpp"

namespace l402::gateway {

class CredentialCache {
 public:
  static constexpr std::size_t kDefaultCapacity = 1024;

  // What the request path needs of a grant, computed once.
  struct Entry {
    Grant grant;
    std::string forwarded_authorization;  // format_authorization() of the credential
    std::string token_id_hex;
  };

  // Where a grant applies: the Authorization value, the route (by identity, within one
  // configuration snapshot) and the capability the request needed.
  struct Scope {
    std::string_view authorization;
    const void* route = nullptr;
    std::string_view capability;
  };

  explicit CredentialCache(std::size_t capacity = kDefaultCapacity);
  ~CredentialCache();
  CredentialCache(const CredentialCache&) = delete;
  CredentialCache& operator=(const CredentialCache&) = delete;

  // Drops every entry unless they were made under these same snapshots (compared by identity,
  // which the cache keeps from being reused while it remembers them).
  template <typename Policy>
  void use_snapshots(const std::shared_ptr<Policy>& policy,
                     const std::shared_ptr<const KeySet>& keys) {
    if (same_owner(policy_, policy) && same_owner(keys_, keys)) return;
    clear();
    policy_ = policy;
    keys_ = keys;
  }

  // The entry made for exactly `scope`, or null.
  const Entry* find(const Scope& scope) const;
  // Stores `entry` for `scope` (replacing one there) and returns it.
  const Entry& insert(const Scope& scope, Entry entry);
  void erase(const Scope& scope);

  std::size_t size() const { return entries_.size(); }

 private:
  // A Scope that owns its strings; hashed and compared as the Scope it stands for.
  struct Key {
    std::string authorization;
    const void* route;
    std::string capability;

    Scope scope() const { return {authorization, route, capability}; }
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(const Scope& scope) const;
    std::size_t operator()(const Key& key) const { return (*this)(key.scope()); }
  };
  struct KeyEqual {
    using is_transparent = void;
    bool operator()(const Scope& a, const Scope& b) const;
    bool operator()(const Key& a, const Key& b) const { return (*this)(a.scope(), b.scope()); }
    bool operator()(const Scope& a, const Key& b) const { return (*this)(a, b.scope()); }
    bool operator()(const Key& a, const Scope& b) const { return (*this)(a.scope(), b); }
  };
  using Map = std::unordered_map<Key, Entry, KeyHash, KeyEqual>;

  // Whether `held` refers to the object `current` owns, without touching reference counts:
  // the weak reference keeps its control block allocated, so no later object can share it.
  template <typename T, typename U>
  static bool same_owner(const std::weak_ptr<T>& held, const std::shared_ptr<U>& current) {
    return !held.owner_before(current) && !current.owner_before(held);
  }

  void clear();
  static void wipe(Map::node_type& node);

  std::size_t capacity_;
  Map entries_;
  std::weak_ptr<const void> policy_;
  std::weak_ptr<const KeySet> keys_;
};

}  // namespace l402::gateway
