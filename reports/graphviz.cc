#include "reports/graphviz.h"

#include "live/net/filter.h"
#include "reports/markup.h"

namespace h2sim {

bool render_svg(const std::string& dot, std::string* svg, std::string* error) {
  // Looked up first, so that a missing Graphviz is a hint at how to install it rather than a
  // failed exec.
  std::string program = live::find_program("dot");
  if (program.empty()) {
    *error = "Graphviz's dot is not installed (apt-get install graphviz); the .dot files are written";
    return false;
  }
  std::string out, why;
  if (!live::run_filter({program, "-Tsvg"}, dot, &out, &why)) {
    *error = "dot could not draw a diagram (" + why + "); the .dot files are written";
    return false;
  }
  *svg = std::move(out);
  return true;
}

bool write_dot_figure(const std::string& dir, const std::string& stem, const std::string& dot,
                      std::string_view caption, ReportFiles* files, std::string* html, std::string* error) {
  if (!write_listed(dir, stem + ".dot", dot, files, error)) return false;
  std::string svg, why;
  if (!render_svg(dot, &svg, &why)) {
    files->note = why;
    *html += "<figure><pre>" + escape_xml(dot) + "</pre><figcaption>" + escape_xml(caption) +
             " (DOT: " + escape_xml(why) + ")</figcaption></figure>\n";
    return true;
  }
  if (!write_listed(dir, stem + ".svg", svg, files, error)) return false;
  *html += "<figure>" + std::string(svg_element(svg)) + "<figcaption>" + escape_xml(caption) +
           "</figcaption></figure>\n";
  return true;
}

}  // namespace h2sim
