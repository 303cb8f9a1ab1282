// What `l402 get/request` tells people on stderr while a request pays for itself.
#pragma once

#include <string>

#include "l402/client.hpp"

namespace l402::cli {

// One line (no newline) for `event`, e.g. "402 from http://h/x: service demo, price 1 sat".
std::string progress_line(const ProgressEvent& event);

}  // namespace l402::cli
