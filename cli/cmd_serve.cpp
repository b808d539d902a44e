// `outcheck serve [--bind 127.0.0.1] [--port 8080]`: the review server, run by the account that
// owns the home. SIGTERM or SIGINT stops it cleanly: requests in flight finish, nothing is cut.
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <thread>

#include "cli/workflow.h"
#include "release/publisher.h"
#include "web/server.h"

namespace fs = std::filesystem;

namespace outcheck::cli {

Runner attach_serve(CLI::App& sub) {
  struct Options {
    std::string bind = "127.0.0.1";
    int port = 8080;
    std::string home;
    std::string release_to;
    std::string workspaces;
    int max_connections = 128;
    int max_per_address = 32;
    double header_timeout = 10;
    double body_timeout = 30;
  };
  auto o = std::make_shared<Options>();
  sub.add_option("--bind", o->bind, "the address to listen on (default 127.0.0.1: this machine only)");
  sub.add_option("--port", o->port, "the port (default 8080; 0 picks a free one and prints it)");
  sub.add_option("--home", o->home, "the outcheck home it serves (default: $OUTCHECK_HOME, else ./.outcheck)");
  sub.add_option("--release-to", o->release_to,
                 "where the page's Release button publishes: a folder or https://HOST/api/v2 (default: no button)");
  sub.add_option("--workspaces", o->workspaces,
                 "accept requests only for workspaces inside this folder (default: any the server can read)");
  sub.add_option("--max-connections", o->max_connections,
                 "open connections served at once (default 128; beyond, 503 at once)")
      ->check(CLI::Range(1, 4096));
  sub.add_option("--max-connections-per-address", o->max_per_address,
                 "open connections from one client address (default 32; beyond, 429 at once)")
      ->check(CLI::Range(1, 4096));
  sub.add_option("--header-timeout", o->header_timeout,
                 "seconds a request's line and headers may take in all, however slowly they come (default 10)")
      ->check(CLI::Range(0.1, 3600.0));
  sub.add_option("--body-timeout", o->body_timeout, "seconds a request's body may take in all (default 30)")
      ->check(CLI::Range(0.1, 3600.0));
  return [o] {
    fs::path home = fs::absolute(home_dir(o->home));
    std::string release_to = o->release_to;
    if (!release_to.empty() && release_to.find("://") == std::string::npos) release_to = fs::absolute(release_to).string();

    // Signals go to one watcher thread, never to httplib's workers: block them before any thread
    // starts, so every thread inherits the mask.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    web::ServeOptions options;
    options.bind = o->bind;
    options.port = o->port;
    options.release_to = release_to;
    options.connections.max_connections = o->max_connections;
    options.connections.max_per_address = o->max_per_address;
    options.connections.header_deadline = std::chrono::milliseconds(static_cast<long long>(o->header_timeout * 1000));
    options.connections.body_deadline = std::chrono::milliseconds(static_cast<long long>(o->body_timeout * 1000));
    web::ApiSettings api{home, release::options_from_environment(), nullptr, {}, release_to};
    if (!o->workspaces.empty()) {
      std::error_code ec;
      api.workspaces_root = fs::canonical(o->workspaces, ec);
      if (ec) return report_error(not_found("--workspaces " + o->workspaces + ": no such folder"));
    }
    web::ReviewServer server(api, options);
    auto port = server.bind();
    if (!port) return report_error(port.error());
    std::cout << "outcheck: serving " << home.string() << " on http://" << o->bind << ":" << *port << "/" << std::endl;

    std::thread watcher([&server, stop_signals] {
      int sig = 0;
      sigwait(&stop_signals, &sig);
      std::cerr << "outcheck serve: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ", stopping\n";
      server.stop();
    });
    Status ran = server.run();
    // If the server stopped by itself, wake the watcher so it can be joined.
    pthread_kill(watcher.native_handle(), SIGTERM);
    watcher.join();
    if (!ran.ok()) return report_error(ran.error());
    std::cerr << "outcheck serve: stopped\n";
    return 0;
  };
}

}  // namespace outcheck::cli
