#include "web/assets.h"

namespace outcheck::web {

const std::string_view kStylesheet = R"CSS(
:root { --fg: #1b1b1b; --muted: #555; --line: #c8c8c8; --bg: #fff; --head: #f1f3f5;
        --fail: #b00020; --fail-bg: #fde7ea; --review: #8a5a00; --review-bg: #fff4d6; --ok: #1e6b34; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 0; }
header.top { display: flex; gap: 1rem; align-items: center; padding: .5rem 1rem; border-bottom: 1px solid var(--line); }
header.top .brand { font-weight: 700; text-decoration: none; color: var(--fg); }
header.top .who { margin-left: auto; color: var(--muted); }
main { padding: 1rem; max-width: 1400px; }
h1 { font-size: 1.4rem; margin: .2rem 0 .8rem; } h2 { font-size: 1.15rem; margin: 1.4rem 0 .5rem; }
table.list { border-collapse: collapse; width: 100%; }
table.list th, table.list td { border-bottom: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
.status { display: inline-block; padding: 0 .4rem; border: 1px solid var(--line); border-radius: 3px; font-size: .85em; }
.outcome-fail { color: var(--fail); font-weight: 600; } .outcome-review { color: var(--review); font-weight: 600; }
.outcome-pass { color: var(--ok); font-weight: 600; }
.flash { padding: .6rem .8rem; border: 2px solid var(--ok); margin-bottom: 1rem; }
.flash.error { border-color: var(--fail); background: var(--fail-bg); }
.flash.error::before { content: "Problem: "; font-weight: 700; }
form.inline { display: inline; }
form.action { margin: .4rem 0; padding: .5rem; border: 1px solid var(--line); }
label { margin-right: .6rem; }
textarea { width: 100%; min-height: 3em; }
button { font: inherit; padding: .2rem .8rem; cursor: pointer; }
.nav a { margin-right: .6rem; } .nav a.current { font-weight: 700; text-decoration: none; }
.group { border: 1px solid var(--line); padding: .5rem .8rem; margin: .8rem 0; }
.muted { color: var(--muted); }
ul.findings { margin: .2rem 0; padding-left: 1.2rem; }
/* The CSV view: its own scroll box, so the header row and row numbers stay in view. */
.toolbar { display: flex; gap: 1rem; align-items: center; margin: .5rem 0; }
.table-wrap { max-height: 75vh; overflow: auto; border: 1px solid var(--line); }
table.csv { border-collapse: separate; border-spacing: 0; font: 13px/1.3 ui-monospace, monospace; }
table.csv th, table.csv td { border-right: 1px solid var(--line); border-bottom: 1px solid var(--line); padding: .15rem .45rem; white-space: nowrap; }
table.csv thead th { position: sticky; top: 0; background: var(--head); z-index: 2; }
table.csv th.rownum { position: sticky; left: 0; background: var(--head); color: var(--muted); text-align: right; z-index: 1; }
table.csv thead th.rownum { z-index: 3; }
table.csv tbody tr { content-visibility: auto; contain-intrinsic-size: auto 1.5em; }
.flag { outline-offset: -2px; }
.flag-fail { background: var(--fail-bg) !important; outline: 2px solid var(--fail); }
.flag-review { background: var(--review-bg) !important; outline: 2px dashed var(--review); }
.flag .icon { margin-right: .25rem; }
.flag-fail .icon { color: var(--fail); } .flag-review .icon { color: var(--review); }
.flag .rule { margin-left: .35rem; font-size: .8em; color: var(--muted); }
.flag.current { outline-width: 4px; }
pre.text { white-space: pre-wrap; border: 1px solid var(--line); padding: .6rem; max-height: 75vh; overflow: auto; }
img.output { max-width: 100%; border: 1px solid var(--line); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
)CSS";

// Jump to the next finding (button or the "n" key); nothing else needs script.
const std::string_view kScript = R"JS(
(function () {
  var button = document.getElementById('next-finding');
  if (!button) return;
  var marks = Array.prototype.slice.call(document.querySelectorAll('.flag'));
  var counter = document.getElementById('finding-position');
  var at = -1;
  function next() {
    if (!marks.length) return;
    if (at >= 0) marks[at].classList.remove('current');
    at = (at + 1) % marks.length;
    var el = marks[at];
    el.classList.add('current');
    el.scrollIntoView({block: 'center', inline: 'center'});
    el.focus({preventScroll: true});
    if (counter) counter.textContent = (at + 1) + ' of ' + marks.length + ': ' + (el.getAttribute('title') || '');
  }
  button.addEventListener('click', next);
  document.addEventListener('keydown', function (e) {
    var t = e.target && e.target.tagName;
    if (e.key === 'n' && t !== 'INPUT' && t !== 'TEXTAREA' && t !== 'SELECT') next();
  });
})();
)JS";

}  // namespace outcheck::web
