#include "cli/files.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace h2sim::cli {

std::string check_writable(const std::string& path) {
  std::filesystem::path p(path);
  std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return path + ": directory " + dir.string() + " does not exist";
  if (std::filesystem::is_directory(p, ec)) return path + ": is a directory";
  return {};
}

bool write_file_atomically(const std::string& path, const std::string& contents, std::string* error) {
  std::string temp = path + ".partial";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << contents;
    out.flush();
    if (!out) {
      std::remove(temp.c_str());
      *error = "cannot write " + path;
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::remove(temp.c_str());
    *error = "cannot write " + path + ": " + ec.message();
    return false;
  }
  return true;
}

}  // namespace h2sim::cli
