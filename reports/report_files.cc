#include "reports/report_files.h"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace h2sim {

bool write_whole(const std::string& path, const std::string& contents, std::string* error) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) {
    out << contents;
    out.flush();
  }
  if (!out) {
    *error = "cannot write " + path + ": " + std::generic_category().message(errno);
    return false;
  }
  return true;
}

bool write_listed(const std::string& dir, const std::string& name, const std::string& contents, ReportFiles* files,
                  std::string* error) {
  std::string path = dir + "/" + name;
  if (!write_whole(path, contents, error)) return false;
  files->written.push_back(path);
  return true;
}

bool make_report_folder(const std::string& dir, std::string* error) {
  std::error_code ec;
  std::filesystem::create_directory(dir, ec);
  if (ec) {
    *error = "cannot create " + dir + ": " + ec.message();
    return false;
  }
  return true;
}

}  // namespace h2sim
