#pragma once
namespace l402::l402d {
inline constexpr const char* kVersion = "0.1.0";
}  // namespace l402::l402d
