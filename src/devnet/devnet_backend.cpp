// The in-process Backend over a DevnetNode.
#include "l402/devnet.hpp"
