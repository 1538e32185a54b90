#include "live/net/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <vector>

namespace h2sim::live {

namespace {

namespace fs = std::filesystem;

// The manifest's first line: what makes a folder h2sim's, rather than the file name alone.
constexpr std::string_view manifest_first_line = "h2sim output folder";

// A temporary name keeps at most this much of the target's name, so that it stays within
// NAME_MAX (255 bytes on Linux) whatever the target is called.
constexpr size_t temporary_stem_bytes_max = 100;

std::string reason(int error_number) { return std::generic_category().message(error_number); }

std::string shown(std::string_view option, const std::string& path) {
  return option.empty() ? path : std::string(option) + " " + path;
}

std::string choose_another(std::string_view option) {
  return "choose another " + (option.empty() ? std::string("path") : std::string(option));
}

const char* kind_of(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a fifo";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a file or folder";
}

// Absolute and lexically normal, without a trailing separator: "." becomes the current folder's
// path, so that it has a parent and a name.
fs::path normal_absolute(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (ec) p = path;
  p = p.lexically_normal();
  if (!p.has_filename() && p.has_relative_path()) p = p.parent_path();
  return p;
}

// For a path whose lstat said ENOTDIR: the nearest ancestor that exists, which is not a folder.
std::string blocking_ancestor(const fs::path& path) {
  for (fs::path p = path.parent_path(); !p.empty() && p != p.root_path(); p = p.parent_path()) {
    struct stat st;
    if (stat(p.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) break;
      return p.string() + " is " + kind_of(st.st_mode) + ", not a folder";
    }
  }
  return "a part of the path is not a folder";
}

// Why new entries cannot be made in `folder` (missing, not a folder, not writable), or empty.
std::string folder_problem(const fs::path& folder, std::string_view option) {
  struct stat st;
  if (stat(folder.c_str(), &st) != 0) {
    int e = errno;
    if (e == ENOENT) return "folder " + folder.string() + " does not exist: create it, or " + choose_another(option);
    if (e == ENOTDIR) return blocking_ancestor(folder) + ": " + choose_another(option);
    return folder.string() + ": " + reason(e);
  }
  if (!S_ISDIR(st.st_mode)) {
    return folder.string() + " is " + kind_of(st.st_mode) + ", not a folder: " + choose_another(option);
  }
  if (access(folder.c_str(), W_OK | X_OK) != 0) {
    return "cannot write in folder " + folder.string() + ": " + reason(errno);
  }
  return {};
}

bool holds_manifest(const fs::path& dir) {
  fs::path manifest = dir / output_manifest_name;
  struct stat st;
  if (lstat(manifest.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  std::ifstream in(manifest);
  std::string line;
  return std::getline(in, line) && line == manifest_first_line;
}

std::string manifest_text(std::string_view writer) {
  return std::string(manifest_first_line) + "\nwritten by: " + std::string(writer) +
         "\nh2sim replaces this folder's contents when it is told to write here again. It never writes into\n"
         "a folder holding other files unless this file is there: delete this file to keep them safe.\n";
}

enum class FolderState { refused, missing, empty, ours };

struct Inspection {
  FolderState state = FolderState::refused;
  std::string why;  // if refused
  fs::path target;  // normal_absolute of the path
};

// What stands at `dir`, and whether h2sim may write an output folder there.
Inspection inspect_folder(const std::string& dir, std::string_view option) {
  Inspection out;
  out.target = normal_absolute(dir);
  std::string name = shown(option, dir);
  struct stat st;
  if (lstat(out.target.c_str(), &st) != 0) {
    int e = errno;
    if (e == ENOENT) {
      // Missing folders above it are made too (as mkdir -p would): the nearest that exists must
      // be one we can write in.
      fs::path existing = out.target.parent_path();
      while (lstat(existing.c_str(), &st) != 0 && errno == ENOENT && existing != existing.parent_path()) {
        existing = existing.parent_path();
      }
      out.why = folder_problem(existing, option);
      if (out.why.empty()) out.state = FolderState::missing;
    } else {
      out.why = e == ENOTDIR ? blocking_ancestor(out.target) + ": " + choose_another(option) : reason(e);
    }
    if (!out.why.empty()) out.why = name + ": " + out.why;
    return out;
  }
  if (S_ISLNK(st.st_mode) && stat(out.target.c_str(), &st) != 0) {
    out.why = name + " is a symbolic link to nothing (" + reason(errno) + "): " + choose_another(option);
    return out;
  }
  if (!S_ISDIR(st.st_mode)) {
    out.why = name + " is " + kind_of(st.st_mode) + ", not a folder: " + choose_another(option);
    return out;
  }
  DIR* listing = opendir(out.target.c_str());
  if (listing == nullptr) {
    out.why = name + ": cannot list it: " + reason(errno);
    return out;
  }
  std::string foreign;
  bool any = false;
  while (const dirent* entry = readdir(listing)) {
    std::string_view entry_name = entry->d_name;
    if (entry_name == "." || entry_name == "..") continue;
    any = true;
    if (entry_name != output_manifest_name && foreign.empty()) foreign = entry_name;
  }
  closedir(listing);
  if (any && !holds_manifest(out.target)) {
    if (foreign.empty()) foreign = output_manifest_name;  // a file of that name, but not h2sim's
    out.why = name + " is a folder with files h2sim did not write (such as '" + foreign + "'): " +
              choose_another(option) + ", or empty it";
    return out;
  }
  if (access(out.target.c_str(), W_OK | X_OK) != 0) {
    out.why = name + ": cannot write in it: " + reason(errno);
    return out;
  }
  out.state = any ? FolderState::ours : FolderState::empty;
  return out;
}

// The missing folders above a missing output folder: what inspect_folder allowed.
bool make_parents(const fs::path& target, std::string* error) {
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) *error = "cannot create " + target.parent_path().string() + ": " + ec.message();
  return !ec;
}

// A fresh entry in `folder` named `stem` plus a number no other entry has: a file (open for
// writing, in *fd) or a folder. O_EXCL and mkdir never take over an existing entry.
bool make_temporary(const fs::path& folder, std::string stem, bool is_folder, fs::path* made, int* fd,
                    std::string* error) {
  static uint64_t counter = 0;
  if (stem.size() > temporary_stem_bytes_max) stem.resize(temporary_stem_bytes_max);
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path p = folder / (stem + std::to_string(getpid()) + "-" + std::to_string(counter++));
    int result = is_folder ? mkdir(p.c_str(), 0777) : open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (result >= 0) {
      *made = p;
      if (!is_folder) *fd = result;
      return true;
    }
    if (errno != EEXIST) {
      *error = "cannot create " + p.string() + ": " + reason(errno);
      return false;
    }
  }
  *error = "cannot create a temporary entry in " + folder.string() + ": every name tried exists";
  return false;
}

bool write_all(int fd, std::string_view bytes, int* error_number) {
  size_t at = 0;
  while (at < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + at, bytes.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error_number = n < 0 ? errno : EIO;
      return false;
    }
    at += static_cast<size_t>(n);
  }
  return true;
}

// Removes every entry of `dir` but those named in `keep`. Only called on a folder that carries
// the manifest (h2sim's own), which is what makes removing its contents safe.
bool remove_contents(const fs::path& dir, const std::vector<std::string>& keep, std::string* error) {
  std::error_code ec;
  std::vector<fs::path> doomed;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (std::find(keep.begin(), keep.end(), name) == keep.end()) doomed.push_back(it->path());
  }
  if (ec) {
    *error = "cannot list " + dir.string() + ": " + ec.message();
    return false;
  }
  for (const fs::path& p : doomed) {
    fs::remove_all(p, ec);
    if (ec) {
      *error = "cannot remove " + p.string() + " (of an earlier h2sim output): " + ec.message();
      return false;
    }
  }
  return true;
}

}  // namespace

std::string check_output_folder(const std::string& dir, std::string_view option) {
  return inspect_folder(dir, option).why;
}

bool claim_output_folder(const std::string& dir, std::string_view option, std::string_view writer,
                         std::string* error) {
  Inspection in = inspect_folder(dir, option);
  switch (in.state) {
    case FolderState::refused:
      *error = in.why;
      return false;
    case FolderState::missing:
      if (!make_parents(in.target, error)) return false;
      if (mkdir(in.target.c_str(), 0777) != 0) {
        *error = "cannot create " + dir + ": " + reason(errno);
        return false;
      }
      break;
    case FolderState::ours:
      if (!remove_contents(in.target, {std::string(output_manifest_name)}, error)) return false;
      break;
    case FolderState::empty:
      break;
  }
  return write_output_file((in.target / output_manifest_name).string(), manifest_text(writer), error);
}

std::string check_output_file(const std::string& path, std::string_view option) {
  std::string name = shown(option, path);
  fs::path target = normal_absolute(path);
  struct stat st;
  if (lstat(target.c_str(), &st) != 0) {
    int e = errno;
    if (e == ENOENT) {
      std::string why = folder_problem(target.parent_path(), option);
      return why.empty() ? why : name + ": " + why;
    }
    if (e == ENOTDIR) return name + ": " + blocking_ancestor(target) + ": " + choose_another(option);
    return name + ": " + reason(e);
  }
  if (S_ISLNK(st.st_mode)) {
    struct stat linked;
    if (stat(target.c_str(), &linked) != 0) {
      return name + " is a symbolic link to nothing (" + reason(errno) + "): " + choose_another(option);
    }
    if (!S_ISREG(linked.st_mode)) {
      return name + " is a symbolic link to " + kind_of(linked.st_mode) + ", not to a regular file: " +
             choose_another(option);
    }
    std::error_code ec;
    target = fs::canonical(target, ec);
    if (ec) return name + ": " + ec.message();
  } else if (!S_ISREG(st.st_mode)) {
    return name + " is " + kind_of(st.st_mode) + ", not a regular file: " + choose_another(option);
  }
  std::string why = folder_problem(target.parent_path(), option);
  return why.empty() ? why : name + ": " + why;
}

bool write_output_file(const std::string& path, std::string_view contents, std::string* error) {
  if (std::string why = check_output_file(path, ""); !why.empty()) {
    *error = "cannot write " + why;
    return false;
  }
  fs::path target = normal_absolute(path);
  struct stat st;
  if (lstat(target.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    std::error_code ec;
    target = fs::canonical(target, ec);
    if (ec) {
      *error = "cannot write " + path + ": " + ec.message();
      return false;
    }
  }
  fs::path temporary;
  int fd = -1;
  if (!make_temporary(target.parent_path(), "." + target.filename().string() + ".h2sim-", false, &temporary, &fd,
                      error)) {
    return false;
  }
  int e = 0;
  bool written = write_all(fd, contents, &e);
  if (close(fd) != 0 && written) {
    written = false;
    e = errno;
  }
  if (written && rename(temporary.c_str(), target.c_str()) != 0) {
    written = false;
    e = errno;
  }
  if (!written) {
    unlink(temporary.c_str());
    *error = "cannot write " + path + ": " + reason(e);
  }
  return written;
}

StagedFolder::~StagedFolder() {
  if (staging_.empty()) return;
  std::error_code ec;
  fs::remove_all(staging_, ec);  // a fresh folder of our own: nothing else is in it
}

bool StagedFolder::begin(const std::string& dir, std::string_view option, std::string_view writer,
                         std::string* error) {
  Inspection in = inspect_folder(dir, option);
  if (in.state == FolderState::refused) {
    *error = in.why;
    return false;
  }
  dir_ = dir;
  target_ = in.target.string();
  inside_ = in.state != FolderState::missing;
  std::string manifest = manifest_text(writer);
  // An empty folder is marked as h2sim's at once: if this run is killed, the staging folder left
  // inside it does not turn it into a folder of foreign files.
  if (in.state == FolderState::empty &&
      !write_output_file((in.target / output_manifest_name).string(), manifest, error)) {
    return false;
  }
  if (!inside_ && !make_parents(in.target, error)) return false;
  fs::path made;
  bool ok = inside_ ? make_temporary(in.target, ".h2sim-staging-", true, &made, nullptr, error)
                    : make_temporary(in.target.parent_path(), "." + in.target.filename().string() + ".h2sim-", true,
                                     &made, nullptr, error);
  if (!ok) return false;
  staging_ = made.string();
  return write_output_file((made / output_manifest_name).string(), manifest, error);
}

bool StagedFolder::commit(std::string* error) {
  if (!inside_) {
    if (rename(staging_.c_str(), target_.c_str()) != 0) {
      *error = "cannot move " + staging_ + " to " + dir_ + ": " + reason(errno);
      return false;
    }
    staging_.clear();
    return true;
  }
  if (!holds_manifest(target_)) {
    *error = "cannot replace " + dir_ + ": its " + std::string(output_manifest_name) + " file is gone, so it may "
             "hold files h2sim did not write";
    return false;
  }
  fs::path staging = staging_;
  std::string manifest(output_manifest_name);
  if (!remove_contents(target_, {manifest, staging.filename().string()}, error)) return false;
  // The manifest first: the folder stays marked as h2sim's whatever happens after.
  std::vector<std::string> names = {manifest};
  std::error_code ec;
  for (fs::directory_iterator it(staging, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename() != manifest) names.push_back(it->path().filename().string());
  }
  if (ec) {
    *error = "cannot list " + staging_ + ": " + ec.message();
    return false;
  }
  for (const std::string& name : names) {
    fs::path from = staging / name, to = fs::path(target_) / name;
    if (rename(from.c_str(), to.c_str()) != 0) {
      *error = "cannot move " + from.string() + " to " + to.string() + ": " + reason(errno);
      return false;
    }
  }
  if (rmdir(staging_.c_str()) != 0) {
    *error = "cannot remove " + staging_ + ": " + reason(errno);
    return false;
  }
  staging_.clear();
  return true;
}

bool path_within(const std::string& path, const std::string& folder) {
  auto resolved = [](const std::string& p) {
    std::error_code ec;
    fs::path r = fs::weakly_canonical(normal_absolute(p), ec);
    if (ec) r = normal_absolute(p);
    if (!r.has_filename() && r.has_relative_path()) r = r.parent_path();
    return r;
  };
  fs::path inner = resolved(path), outer = resolved(folder);
  auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return o == outer.end();
}

std::string check_apart(const std::string& path, const std::string& folder, std::string_view option) {
  if (!path_within(path, folder)) return {};
  return std::string(option) + " " + folder + " holds " + path + ", which writing there would replace: " +
         choose_another(option);
}

bool keep_folder(const std::string& dir, std::string_view option, std::string* error) {
  fs::path target = normal_absolute(dir);
  struct stat st;
  if (stat(target.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return true;
    *error = shown(option, dir) + " is " + kind_of(st.st_mode) + ", not a folder: " + choose_another(option);
    return false;
  }
  std::error_code ec;
  fs::create_directories(target, ec);
  if (ec) *error = "cannot create " + shown(option, dir) + ": " + ec.message();
  return !ec;
}

bool write_fresh_file(const std::string& dir, const std::string& stem, const std::string& suffix,
                      std::string_view contents, std::string* path, std::string* error) {
  fs::path folder = normal_absolute(dir);
  fs::path temporary;
  int fd = -1;
  if (!make_temporary(folder, "." + stem + ".h2sim-", false, &temporary, &fd, error)) return false;
  int e = 0;
  bool written = write_all(fd, contents, &e);
  if (close(fd) != 0 && written) {
    written = false;
    e = errno;
  }
  for (int n = 1; written && n < 10000; ++n) {
    std::string name = stem + (n == 1 ? "" : "-" + std::to_string(n)) + suffix;
    // link() fails on an existing name where rename() would replace it.
    if (link(temporary.c_str(), (folder / name).c_str()) == 0) {
      unlink(temporary.c_str());
      *path = (fs::path(dir) / name).string();
      return true;
    }
    if (errno != EEXIST) {
      written = false;
      e = errno;
    }
  }
  unlink(temporary.c_str());
  *error = "cannot write " + stem + suffix + " into " + dir + ": " + (e ? reason(e) : "every name tried exists");
  return false;
}

}  // namespace h2sim::live
