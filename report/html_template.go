package report

// htmlSource holds the templates of the HTML pages. The pages have no
// scripts and load nothing: a mailed report or the dashboard with
// JavaScript off shows everything.
const htmlSource = `
{{define "style"}}<style>
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:80em}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th a{color:inherit}
.status{display:inline-block;padding:.1em .5em;border-radius:.3em;font-weight:bold;color:#fff}
.st-ok{background:#1a7f37}.st-warning{background:#b35900}.st-critical{background:#c62828}.st-unknown{background:#666}
.bad{background:#fdecea}.warn{background:#fff4e0}
.mx{border:1px solid #ccc;padding:.5em 1em;margin:1em 0}
.mx.bad{border-color:#c62828}
code{font-size:90%;word-break:break-all}
svg.chain{border:1px solid #ddd;max-width:100%;height:auto}
svg.chain rect{fill:#f6f8fa;stroke:#888}
svg.chain .node.failing rect{fill:#fdecea;stroke:#c62828;stroke-width:2}
svg.chain .node.insecure rect{fill:#eee;stroke:#999;stroke-dasharray:4 2}
svg.chain text{font:12px monospace;fill:#222}
svg.chain .link line{stroke:#1a7f37;stroke-width:2}
svg.chain .link.insecure line{stroke:#999;stroke-dasharray:4 3}
svg.chain .link.failing line{stroke:#c62828;stroke-width:3;stroke-dasharray:6 3}
svg.chain .link path{stroke:#1a7f37;stroke-width:2}
svg.chain .link.insecure path{stroke:#999;stroke-dasharray:4 3}
svg.chain .link.failing path{stroke:#c62828;stroke-width:3;stroke-dasharray:6 3}
svg.chain .label rect{fill:#fff;stroke:none;opacity:.85}
svg.chain .label.failing text{fill:#c62828;font-weight:bold}
.timeline span{display:inline-block;min-width:1.2em;margin:1px;padding:0 .2em;color:#fff;font-size:75%}
</style>{{end}}

{{define "status"}}<span class="status {{statusClass .}}">{{statusWord .}}</span>{{end}}

{{define "domain-doc"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">{{template "style"}}</head>
<body>{{range .Pages}}{{template "domain" .}}{{end}}</body></html>{{end}}

{{define "domain"}}<section class="domain" id="{{.R.Domain}}">
{{if .Dashboard}}<p><a href="{{.Dashboard}}">← all domains</a></p>{{end}}
<h1><span class="domain-name">{{printable .R.Domain}}</span> {{template "status" .R.Status}}</h1>
<p class="summary">{{printable .R.Summary}}</p>
{{if .R.Error}}<p class="bad">The check could not complete: {{printable .R.Error}}</p>{{end}}
<table class="verdicts">
<tr><th>DANE</th><td>{{.R.DANE}}</td></tr>
<tr><th>MTA-STS</th><td>{{if .R.MTASTS.Mode}}mode {{.R.MTASTS.Mode}}, {{end}}{{.R.MTASTS.Result}}{{if .R.MTASTS.FetchError}} (policy fetch: {{printable .R.MTASTS.FetchError}}){{end}}{{if .R.MTASTS.PolicyError}} (policy: {{printable .R.MTASTS.PolicyError}}){{end}}</td></tr>
<tr><th>DANE sender</th><td>{{.R.Outcome.DANE.Action}}{{with .R.Outcome.DANE.Via}} via {{.}}{{end}}{{with .R.Outcome.DANE.Reason}}: {{printable .}}{{end}}</td></tr>
<tr><th>MTA-STS sender</th><td>{{.R.Outcome.MTASTS.Action}}{{with .R.Outcome.MTASTS.Via}} via {{.}}{{end}}{{with .R.Outcome.MTASTS.Reason}}: {{printable .}}{{end}}</td></tr>
<tr><th>DANE + MTA-STS sender</th><td>{{.R.Outcome.Both.Action}}{{with .R.Outcome.Both.Via}} via {{.}}{{end}}{{with .R.Outcome.Both.Reason}}: {{printable .}}{{end}}</td></tr>
<tr><th>Checked</th><td>{{time .R.CheckedAt}} in {{duration .R.Timings.Total}}, {{.R.Timings.Queries}} DNS queries{{if not .NextCheck.IsZero}}; next check {{time .NextCheck}}{{end}}</td></tr>
</table>
{{if .R.Failures}}<h2>Failures</h2><ul class="failures">{{range .R.Failures}}<li class="bad"><b>{{.ResultType}}</b> ({{.Policy}}{{with .MX}}, {{.}}{{end}}{{with .IP}} {{.}}{{end}}): {{printable .Detail}}</li>{{end}}</ul>{{end}}
{{if .R.Warnings}}<h2>Warnings</h2><ul class="warnings">{{range .R.Warnings}}<li class="warn"><b>{{.Code}}</b>{{with .MX}} ({{.}}{{end}}{{with .IP}} {{.}}{{end}}{{if .MX}}){{end}}: {{printable .Detail}}</li>{{end}}</ul>{{end}}
<h2>Chain of trust</h2>
<figure>{{.Chain}}<figcaption>DNSSEC zones from the trust anchor down to the zone cuts that hold the MX, address and TLSA records (an unsigned delegation is drawn insecure at its cut), MX hosts, TLSA records, addresses and the certificate each presented; a failing link is red, dashed and marked ✗ with its reason.</figcaption></figure>
<h2>Mail exchangers</h2>
{{if .R.NullMX}}<p>Null MX (RFC 7505): the domain accepts no mail.</p>{{end}}
{{range .MX}}<div class="mx{{if .Bad}} bad{{end}}"><h3>{{printable .M.Host}} <small>preference {{.M.Preference}}, addresses {{.M.DNSSEC}}, DANE {{.M.DANE}}{{with .M.DANEReason}} ({{.}}){{end}}, MTA-STS {{.M.MTASTS}}</small></h3>
{{with .M.TLSA}}<p>TLSA {{.Name}}: {{.DNSSEC}}{{with .Error}}, error: {{printable .}}{{end}}</p>{{if .Records}}<ul>{{range .Records}}<li><code>{{.String}}</code>{{if not .Usable}} (unusable for SMTP){{end}}</li>{{end}}</ul>{{end}}{{else}}<p>No TLSA lookup.</p>{{end}}
<table class="addresses"><tr><th>Address</th><th>SMTP</th><th>TLS</th><th>DANE</th><th>MTA-STS</th><th>Certificate</th></tr>
{{range .Addresses}}<tr class="{{if or (eq (print .DANE) "failed") (eq (print .MTASTS) "fail") .Error}}bad{{end}}"><td>{{.IP}}</td>
<td>{{if .Error}}{{.ErrorStage}}: {{printable .Error}}{{else if .STARTTLS}}STARTTLS{{else if .Connected}}no STARTTLS{{else}}—{{end}}</td>
<td>{{.TLSVersion}} {{.CipherSuite}}</td>
<td>{{.DANE}}{{with .DANEReason}} ({{.}}){{end}}{{with .Match}}{{with .Detail}}<br>{{printable .}}{{end}}{{end}}</td>
<td>{{.MTASTS}}{{with .MTASTSReason}} ({{.}}){{end}}</td>
<td>{{with .Chain}}{{with index . 0}}{{printable .Subject}}<br>not after {{time .NotAfter}}<br><code>spki {{.SPKISHA256}}</code>{{end}}{{end}}</td></tr>{{end}}
</table></div>{{end}}
{{if .R.Notes}}<h2>Notes</h2><ul class="notes">{{range .R.Notes}}<li><b>{{.Code}}</b>: {{printable .Detail}}</li>{{end}}</ul>{{end}}
{{if .Timeline}}<h2>History</h2><p class="timeline">{{range .Timeline}}<span class="{{statusClass .Status}}" title="{{time .At}} {{statusWord .Status}}">{{slice (statusWord .Status) 0 1}}</span>{{end}}</p>{{end}}
{{if .Changes}}<h2>Changes</h2><table class="changes"><tr><th>When</th><th>Level</th><th>Change</th></tr>{{range .Changes}}<tr class="{{if eq .Level "critical"}}bad{{else if eq .Level "warning"}}warn{{end}}"><td>{{time .At}}</td><td>{{.Level}}</td><td><b>{{.Code}}</b>: {{printable .Detail}}</td></tr>{{end}}</table>{{end}}
</section>{{end}}

{{define "index-doc"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>daneprobe: monitored domains</title>
<meta name="viewport" content="width=device-width, initial-scale=1">{{template "style"}}</head>
<body><h1>Monitored domains</h1>
<p>{{len .Rows}} domains, each checked every {{.Interval}}. Page made {{time .Now}}. Click a column heading to sort; JSON at <a href="/api/v1/domains">/api/v1/domains</a>, metrics at <a href="/metrics">/metrics</a>.</p>
<table class="domains"><tr>
<th><a href="{{sortLink . "domain"}}">Domain{{sortMark . "domain"}}</a></th>
<th><a href="{{sortLink . "status"}}">Status{{sortMark . "status"}}</a></th>
<th><a href="{{sortLink . "dane"}}">DANE{{sortMark . "dane"}}</a></th>
<th><a href="{{sortLink . "mta-sts"}}">MTA-STS{{sortMark . "mta-sts"}}</a></th>
<th><a href="{{sortLink . "sender"}}">Sender (DANE + MTA-STS){{sortMark . "sender"}}</a></th>
<th><a href="{{sortLink . "change"}}">Last change{{sortMark . "change"}}</a></th>
<th><a href="{{sortLink . "next"}}">Next check{{sortMark . "next"}}</a></th></tr>
{{range .Rows}}<tr class="row"><td><a href="/domain/{{.Domain}}">{{.Domain}}</a></td>
{{with .Report}}<td>{{template "status" .Status}}</td><td>{{.DANE}}</td><td>{{if .MTASTS.Mode}}{{.MTASTS.Mode}}, {{end}}{{.MTASTS.Result}}</td><td>{{.Outcome.Both.Action}}</td>
{{else}}<td><span class="status st-unknown">NOT CHECKED</span></td><td></td><td></td><td></td>{{end}}
<td>{{time .LastChange}}</td><td>{{time .NextCheck}}</td></tr>{{end}}
</table></body></html>{{end}}
`
