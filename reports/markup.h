// Text for report files: escaping for HTML/SVG and DOT, SVG inlined into a page, and the head
// every page shares, so each page is self-contained (no scripts, fonts or styles fetched).
#pragma once

#include <string>
#include <string_view>

namespace h2sim {

// `text` safe inside an XML or HTML element or a double-quoted attribute.
std::string escape_xml(std::string_view text);
// `text` safe inside a double-quoted DOT string.
std::string escape_dot(std::string_view text);
// An SVG document from its <svg> element on: the XML prolog and DOCTYPE dot writes before it are
// not allowed inside HTML.
std::string_view svg_element(std::string_view svg);

// The start of a page: doctype, charset, `title`, the shared style sheet plus `style`, and the
// opening <body>. Close it with page_end.
std::string page_start(std::string_view title, std::string_view style = "");
inline constexpr std::string_view page_end = "</body></html>\n";

}  // namespace h2sim
