#include "cli/args.h"

#include <charconv>
#include <cstdio>

namespace h2sim::cli {

const std::vector<std::string>& Parsed::all(std::string_view name) const {
  static const std::vector<std::string> none;
  auto it = values.find(name);
  return it == values.end() ? none : it->second;
}

bool parse_args(std::span<const std::string> args, std::span<const Option> options, Parsed* out,
                std::string* error) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out->help = true;
      continue;
    }
    if (arg.size() < 2 || arg.compare(0, 2, "--") != 0 || arg == "--") {
      out->positional.push_back(arg);
      continue;
    }
    std::string name = arg;
    std::string value;
    bool inline_value = false;
    if (size_t eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      inline_value = true;
    }
    const Option* option = nullptr;
    for (const Option& o : options) {
      if (o.name == name) option = &o;
    }
    if (option == nullptr) {
      *error = "unknown option '" + name + "'";
      return false;
    }
    if (option->value_name.empty()) {
      if (inline_value) {
        *error = "option '" + name + "' takes no value";
        return false;
      }
    } else if (!inline_value) {
      if (i + 1 >= args.size()) {
        *error = "option '" + name + "' needs a value (" + std::string(option->value_name) + ")";
        return false;
      }
      value = args[++i];
    }
    auto& slot = out->values[name];
    if (!slot.empty() && !option->repeatable) {
      *error = "option '" + name + "' given more than once";
      return false;
    }
    slot.push_back(value);
  }
  return true;
}

std::string help_text(std::string_view usage, std::string_view description,
                      std::span<const Option> options) {
  std::string out = "usage: " + std::string(usage) + "\n\n" + std::string(description) + "\n";
  if (!options.empty()) out += "\noptions:\n";
  for (const Option& o : options) {
    std::string left = "  " + std::string(o.name);
    if (!o.value_name.empty()) left += " " + std::string(o.value_name);
    if (left.size() < 24) left.append(24 - left.size(), ' ');
    out += left + " " + std::string(o.help) + "\n";
  }
  out += "  --help                 this text\n";
  return out;
}

int print_help(std::string_view usage, std::string_view description, std::span<const Option> options) {
  std::fputs(help_text(usage, description, options).c_str(), stdout);
  return 0;
}

bool parse_number(std::string_view option, std::string_view text, uint64_t min, uint64_t max,
                  uint64_t* out, std::string* error) {
  uint64_t value = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || value < min ||
      value > max) {
    *error = std::string(option) + " takes a whole number from " + std::to_string(min) + " to " +
             std::to_string(max) + ", not '" + std::string(text) + "'";
    return false;
  }
  *out = value;
  return true;
}

int usage_error(std::string_view command, std::string_view message) {
  std::fprintf(stderr, "h2sim %.*s: error: %.*s\n(h2sim %.*s --help for usage)\n",
               static_cast<int>(command.size()), command.data(), static_cast<int>(message.size()),
               message.data(), static_cast<int>(command.size()), command.data());
  return 2;
}

}  // namespace h2sim::cli
