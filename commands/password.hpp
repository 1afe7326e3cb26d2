// The password of a signing key: from EDUCTL_KEY_PASSWORD when set (scripts, secret
// managers), else asked on the controlling terminal without echo. Never read from stdin,
// which may carry data, and never guessed: without either source the command stops.
#pragma once
#include <string>
#include <string_view>

#include "core/util/result.hpp"

namespace eductl {

constexpr const char* k_password_env = "EDUCTL_KEY_PASSWORD";

enum class Confirm { once, twice };

// `how_else` completes the usage error when there is no terminal, e.g. "or use
// --no-password for an unencrypted key".
Result<std::string> obtain_password(std::string_view prompt, Confirm confirm, std::string_view how_else = {});

// Overwrites a string that held a password or key text, so it does not linger in freed memory.
void wipe_secret(std::string& s);

}  // namespace eductl
