// Where h2sim writes, and how, so that it never destroys a file it did not write.
//
// An output folder is created fresh (with any missing folders above it), or is empty, or is one
// h2sim wrote before: such a folder carries a manifest file (output_manifest_name) saying what
// wrote it. Anything else at the path (a folder with other files, a regular file, a device, a
// fifo, a socket, a path under a file) is refused before any work, with a message naming the
// path, the reason and what to do. An output file is written into a temporary sibling and
// renamed over its path; its folder must exist, and only a missing path or a regular file is
// replaced. Every write, rename and removal is checked; a failure is a message naming the path
// and the reason, and the command exits 2 rather than print a path it did not write. Only the
// C++ and POSIX libraries are used here.
#pragma once

#include <string>
#include <string_view>

namespace h2sim::live {

// The file that marks a folder as h2sim's: only a folder holding it is ever emptied or replaced.
inline constexpr std::string_view output_manifest_name = ".h2sim-output";

// Why `dir` cannot be an output folder ("--out PATH is a regular file, not a folder: choose
// another --out"), or empty if it can. `option` names the flag in the message. Changes nothing.
std::string check_output_folder(const std::string& dir, std::string_view option);

// Makes `dir` an output folder for files written into it while a command runs (a campaign's
// findings): creates it, or empties it if h2sim wrote it, and writes the manifest naming `writer`
// (e.g. "h2sim check --out"). False with `error` if `dir` is refused or a step fails.
bool claim_output_folder(const std::string& dir, std::string_view option, std::string_view writer,
                         std::string* error);

// Why `path` cannot be an output file (it is a folder, a device, a fifo, a socket, a link to one,
// or its folder is missing or not writable), or empty if it can. Changes nothing.
std::string check_output_file(const std::string& path, std::string_view option);

// Writes `contents` to a temporary sibling of `path` and renames it over `path` (through a
// symbolic link to a regular file, the file it names). False with `error` naming the path.
bool write_output_file(const std::string& path, std::string_view contents, std::string* error);

// A folder written whole (a report): its files are written into staging(), and commit() moves
// them into place. For a missing folder, staging() is a fresh sibling renamed into place. An
// existing folder (empty, or h2sim's) is kept, because it may be the current directory or a
// mount point, neither of which can be renamed: staging() is then a fresh folder inside it, and
// commit() replaces the old contents with the staged ones. An uncommitted staging folder is
// removed when the StagedFolder goes.
class StagedFolder {
 public:
  StagedFolder() = default;
  StagedFolder(const StagedFolder&) = delete;
  StagedFolder& operator=(const StagedFolder&) = delete;
  ~StagedFolder();

  // Checks `dir` as check_output_folder does, and makes the staging folder with the manifest.
  bool begin(const std::string& dir, std::string_view option, std::string_view writer, std::string* error);
  bool begun() const { return !staging_.empty(); }
  const std::string& staging() const { return staging_; }
  const std::string& dir() const { return dir_; }  // as the user wrote it, for messages
  bool commit(std::string* error);

 private:
  std::string dir_;       // the user's path
  std::string target_;    // absolute and normal
  std::string staging_;   // empty once committed
  bool inside_ = false;   // staging_ is inside target_ (target_ existed)
};

// True if `path` is `folder` or lies inside it, by their absolute paths with links resolved as
// far as they exist: writing `folder` would replace `path`.
bool path_within(const std::string& path, const std::string& folder);

// Why `folder` (given as `option`) cannot be written while `path` is needed, or empty: a folder
// h2sim replaces must not hold a command's input, or another of its outputs.
std::string check_apart(const std::string& path, const std::string& folder, std::string_view option);

// A folder that gathers files across commands (check --corpus): created if missing (with the
// folders above it), kept as it is if it exists, never emptied. False with `error` if `dir` is
// something else (a regular file, a device, a path under a file).
bool keep_folder(const std::string& dir, std::string_view option, std::string* error);

// Writes `contents` into `dir` under a name no entry has: `stem` + `suffix`, else `stem`-2 +
// `suffix`, -3, ... It is written to a temporary sibling first and linked to its name, which
// never replaces an entry (two processes writing at once each get their own name). `path` is
// the name it got. False with `error` naming the folder.
bool write_fresh_file(const std::string& dir, const std::string& stem, const std::string& suffix,
                      std::string_view contents, std::string* path, std::string* error);

}  // namespace h2sim::live
