"""The look of the review page: its style sheet and the legend that explains the colours.

Plain data, kept apart from the code that builds the page."""

LEGEND = (
    '<div class="legend"><mark class="num sev-ok">0.72</mark> number of the record found at its '
    'span · <mark class="num sev-warning">0.72</mark> warning · '
    '<mark class="num sev-error">0.72</mark> error · '
    '<span class="flag sev-warning">flagged passage</span><sup class="fn sev-warning">'
    "<a>1</a></sup> reason in the findings list (hover for it) · click a number to jump between "
    "the article and the record</div>"
)

CSS = """
:root { --ok:#1e7b3c; --ok-bg:#dcf3e3; --warn:#a35d00; --warn-bg:#ffefc2; --err:#b42318;
  --err-bg:#fde1de; --ink:#1d2330; --muted:#5b6475; --line:#dde1e8; --panel:#f7f8fa; }
* { box-sizing: border-box; }
body { margin:0; background:#eef0f3; color:var(--ink); line-height:1.55;
  font:15px/1.55 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue",
  Arial, sans-serif; }
main { max-width:980px; margin:24px auto; background:#fff; padding:28px 36px 40px;
  border-radius:10px; box-shadow:0 1px 3px rgba(0,0,0,.08); }
h1 { font-size:1.45rem; line-height:1.3; margin:0 0 10px; }
h2 { font-size:1.15rem; margin:34px 0 10px; padding-bottom:6px;
  border-bottom:1px solid var(--line); }
h3 { font-size:1rem; margin:22px 0 8px; color:var(--muted); }
a { color:#1d4ed8; }
.meta { color:var(--muted); font-size:.85rem; margin:4px 0 10px; }
.status-line { display:flex; gap:14px; align-items:center; flex-wrap:wrap; }
.status { font-weight:600; padding:3px 10px; border-radius:999px; }
.status-verified { background:var(--ok-bg); color:var(--ok); }
.status-needs_review { background:var(--warn-bg); color:var(--warn); }
.status-not_a_trial { background:var(--warn-bg); color:var(--muted, #555); }
.status-failed { background:var(--err-bg); color:var(--err); }
.backend { color:var(--muted); }
nav { display:flex; gap:16px; margin:12px 0; font-size:.9rem; }
.legend { background:var(--panel); border:1px solid var(--line); border-radius:6px;
  padding:8px 12px; font-size:.82rem; color:var(--muted); }
.error-box { background:var(--err-bg); color:var(--err); border:1px solid #f5b5ae;
  border-radius:6px; padding:10px 14px; margin:10px 0; }
.text { white-space:pre-wrap; overflow-wrap:anywhere; background:var(--panel);
  border:1px solid var(--line); border-radius:6px; padding:16px 20px; font-size:.95rem; }
mark.num { border-radius:3px; padding:0 2px; color:inherit; }
mark.num a, a.num { color:inherit; text-decoration:none; }
.num.sev-ok { background:var(--ok-bg); box-shadow:inset 0 -2px 0 var(--ok); }
.num.sev-warning { background:var(--warn-bg); box-shadow:inset 0 -2px 0 var(--warn); }
.num.sev-error { background:var(--err-bg); box-shadow:inset 0 -2px 0 var(--err); }
.num.sev-none { background:#e8ebf0; }
a.num { padding:0 3px; border-radius:3px; font-variant-numeric:tabular-nums; }
.flag { border-bottom:2px dashed; }
.flag.sev-warning { border-color:var(--warn); background:rgba(255,200,60,.12); }
.flag.sev-error { border-color:var(--err); background:rgba(220,50,40,.08); }
.flag.kind-injection { background:repeating-linear-gradient(135deg, rgba(255,200,60,.18) 0 6px,
  transparent 6px 12px); }
sup.fn { font-size:.7rem; font-weight:700; margin:0 1px; }
sup.fn a { text-decoration:none; padding:0 3px; border-radius:3px; color:#fff; }
sup.fn.sev-warning a { background:var(--warn); }
sup.fn.sev-error a { background:var(--err); }
.nospan { color:var(--muted); font-size:.75rem; margin-left:2px; }
.model-text { color:var(--muted); font-size:.8rem; }
table { border-collapse:collapse; width:100%; font-size:.9rem; }
th, td { text-align:left; vertical-align:top; padding:6px 8px;
  border-bottom:1px solid var(--line); }
thead th { background:var(--panel); font-weight:600; }
table.kv th { width:190px; color:var(--muted); font-weight:500; }
tr.is-primary td { background:#f5f8ff; }
table.results td:nth-child(n+4):nth-child(-n+7) { white-space:nowrap; }
.primary { font-weight:600; color:#1d4ed8; }
.ctx { color:var(--muted); font-size:.8rem; }
.none { color:#9aa1ad; }
.headline { font-weight:700; }
.pill { display:inline-block; padding:2px 10px; border-radius:999px; font-size:.82rem; }
.pill.sev-ok { background:var(--ok-bg); color:var(--ok); }
.pill.sev-warning { background:var(--warn-bg); color:var(--warn); }
ol.findings { padding-left:0; list-style:none; counter-reset:f; }
li.finding { border:1px solid var(--line); border-left:4px solid; border-radius:6px;
  padding:8px 12px; margin:8px 0; scroll-margin-top:20px; }
li.finding::before { counter-increment:f; content:counter(f) "."; font-weight:700;
  margin-right:6px; }
li.finding.sev-warning { border-left-color:var(--warn); }
li.finding.sev-error { border-left-color:var(--err); }
.badge { font-size:.75rem; font-weight:700; padding:1px 7px; border-radius:999px; }
.badge.sev-warning { background:var(--warn-bg); color:var(--warn); }
.badge.sev-error { background:var(--err-bg); color:var(--err); }
.kind, .origin { color:var(--muted); font-size:.82rem; }
.origin::before { content:"· origin "; }
.msg { margin-top:4px; }
.msg q { color:var(--muted); }
.links { font-size:.8rem; margin-top:2px; }
ul.notes { padding-left:18px; font-size:.9rem; }
ul.notes li.sev-warning { color:var(--warn); }
ul.notes li.sev-error { color:var(--err); }
:target { outline:3px solid #3b82f6; outline-offset:2px; }
footer { color:var(--muted); font-size:.8rem; margin-top:30px; }
@media print { body { background:#fff; } main { box-shadow:none; margin:0; } }
"""
