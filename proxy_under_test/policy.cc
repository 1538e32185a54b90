#include "proxy_under_test/policy.h"

namespace h2sim::proxy {

namespace {

// RFC 9110's reason phrase, as the generic page and Apache's say it.
std::string_view reason_phrase(uint32_t status) {
  switch (status) {
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Error";
  }
}

// The title of nginx's and haproxy's own pages (ngx_http_special_response.c, haproxy's built-in
// messages), which both say 504 their own way.
std::string gateway_title(uint32_t status) {
  if (status == 504) return "504 Gateway Time-out";
  return std::to_string(status) + " " + std::string(reason_phrase(status));
}

std::string nginx_page(uint32_t status, std::string_view version) {
  std::string title = gateway_title(status);
  return "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
         "</h1></center>\r\n<hr><center>nginx/" + std::string(version) + "</center>\r\n</body>\r\n</html>\r\n";
}

// Apache's text under the heading (http_protocol.c get_canned_error_string). The 502 one was
// captured live; the 504 one is read from the source, not measured.
std::string_view apache_canned_text(uint32_t status) {
  switch (status) {
    case 502: return "<p>The proxy server received an invalid\r\nresponse from an upstream server.<br />\r\n</p>\n";
    case 504: return "<p>The gateway did not receive a timely response\nfrom the upstream server or application.</p>\n";
    default: return "<p>The server encountered an internal error.</p>\n";
  }
}

// haproxy's text under the heading of its built-in messages; the 504 one was captured live.
std::string_view haproxy_text(uint32_t status) {
  switch (status) {
    case 502: return "The server returned an invalid or incomplete response.";
    case 503: return "No server is available to handle this request.";
    case 504: return "The server didn't respond in time.";
    default: return "An internal server error occurred.";
  }
}

std::string haproxy_page(uint32_t status) {
  return "<html><body><h1>" + gateway_title(status) + "</h1>\n" + std::string(haproxy_text(status)) + "\n</body></html>\n";
}

std::string apache_page(uint32_t status) {
  std::string reason(reason_phrase(status));
  return "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\" \"http://www.w3.org/TR/html4/strict.dtd\">\n"
         "<html><head>\n<title>" + std::to_string(status) + " " + reason + "</title>\n</head><body>\n<h1>" + reason +
         "</h1>\n" + std::string(apache_canned_text(status)) + "</body></html>\n";
}

}  // namespace

std::string error_page_body(ErrorPage page, uint32_t status) {
  switch (page) {
    case ErrorPage::none: return {};
    case ErrorPage::generic:
      return "<html><body><h1>" + std::to_string(status) + " " + std::string(reason_phrase(status)) +
             "</h1></body></html>\n";
    case ErrorPage::haproxy: return haproxy_page(status);
    case ErrorPage::nginx_1_22: return nginx_page(status, "1.22.1");
    case ErrorPage::nginx_1_18: return nginx_page(status, "1.18.0");
    case ErrorPage::apache_2_4: return apache_page(status);
  }
  return {};
}

}  // namespace h2sim::proxy
