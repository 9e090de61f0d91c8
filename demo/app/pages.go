package main

import (
	"html/template"
	"time"
)

// clock formats a time on the pages.
func clock(t time.Time) string {
	return t.UTC().Format("15:04:05 UTC")
}

// site is the data of a page's header: its CSS class, title and host.
func site(class, title, host string) map[string]string {
	return map[string]string{"Class": class, "Title": title, "Host": host}
}

// pages are the two sites' HTML pages: plain forms and links, inline CSS,
// no JavaScript. Each says which host it is, which session cookie this host
// received and where it came from. html/template escapes every value.
var pages = template.Must(template.New("").Funcs(template.FuncMap{"clock": clock, "site": site}).Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1f2933;background:#f3f4f6}
header{padding:16px 32px;color:#fff;display:flex;align-items:baseline;gap:18px}
header.shop{background:#0f766e}header.checkout{background:#4338ca}
header h1{margin:0;font-size:26px}
header .host{font:600 18px ui-monospace,"DejaVu Sans Mono",monospace;opacity:.92}
header .what{margin-left:auto;font-size:14px;opacity:.85}
main{max-width:1000px;margin:18px auto;padding:0 24px}
#user{font-size:21px;font-weight:600;margin:6px 0}
#paid{margin:6px 0;color:#166534;font-weight:600}
.card{background:#fff;border:1px solid #d8dce2;border-radius:8px;padding:14px 20px;margin:14px 0}
.card h2{margin:0 0 8px;font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:#5b6673}
.card p{margin:6px 0}
code{font:14px ui-monospace,"DejaVu Sans Mono",monospace;background:#f1f3f6;padding:1px 5px;border-radius:4px;overflow-wrap:anywhere}
.cookie code{font-size:16px;margin-right:10px}
.badge{display:inline-block;margin-right:8px;padding:1px 11px;border-radius:999px;font-size:13px;font-weight:600;vertical-align:middle}
.carried{background:#dcfce7;color:#166534}.own{background:#e0e7ff;color:#3730a3}.none,.unknown{background:#eceff3;color:#475569}
ol.hop{list-style:none;margin:0;padding:0}
ol.hop li{display:grid;grid-template-columns:64px 1fr;gap:14px;align-items:start;padding:9px 0;border-top:1px solid #edf0f3}
ol.hop li:first-child{border-top:0}
.status{font:700 14px ui-monospace,"DejaVu Sans Mono",monospace;text-align:center;border-radius:5px;padding:3px 0;background:#eef2ff;color:#3730a3}
.status.redirect{background:#fef3c7;color:#92400e}
.note{color:#5b6673;font-size:14px}
.how{color:#5b6673;font-size:14px;margin-top:10px;border-top:1px dashed #d8dce2;padding-top:8px}
a{color:#1d4ed8}
form{margin:10px 0}
button{font:inherit;padding:5px 14px;border-radius:6px;border:1px solid #94a3b8;background:#fff;cursor:pointer}
input{font:inherit;padding:4px 8px;border:1px solid #94a3b8;border-radius:6px}
</style>
</head><body>{{end}}

{{define "site"}}<header class="{{.Class}}"><h1>{{.Title}}</h1><span class="host" id="host">{{.Host}}</span><span class="what">one app, two host names, a session cookie per host</span></header>{{end}}

{{define "user"}}{{if .SignedIn}}<p id="user">Signed in as {{.Session.Name}}</p>{{else}}<p id="user">You are not signed in.</p>{{end}}{{end}}

{{define "cookie"}}<section class="card" id="cookie">
<h2>Session cookie on {{.CookieHost}}</h2>
{{if eq .Origin "none"}}<p><span class="badge none" id="origin">none</span> This host received no <code>{{.Name}}</code> cookie.</p>
{{else}}<p class="cookie"><code id="cookie-value">{{.Name}} = {{.Value}}</code>
{{if eq .Origin "carried"}}<span class="badge carried" id="origin">carried here by the session injector</span>
{{else if eq .Origin "own"}}<span class="badge own" id="origin">this host's own</span>
{{else}}<span class="badge unknown" id="origin">unknown session</span>{{end}}</p>
{{if eq .Origin "carried"}}<p>The app set this session on <b>{{.Session.Host}}</b> when {{.Session.Name}} signed in at {{clock .Session.Issued}}, and never set it on {{.CookieHost}}: the session injector did, in a hand-off.</p>
{{else if eq .Origin "own"}}<p>The app set it on this host itself, when {{.Session.Name}} signed in at {{clock .Session.Issued}}.</p>
{{else}}<p>The cookie names no live session: signed out, or from before the app restarted.</p>{{end}}
{{end}}</section>
{{with .Hop}}<section class="card" id="hop">
<h2>The hand-off that brought it</h2>
<ol class="hop">
<li><span class="status">GET</span><div><code id="hop-token-url">{{.TokenURL}}</code><br><span class="note">Your browser asked for this address, with a one-use token in it. The token is shown as … because the app never sees it: the session injector takes it out of the request first.</span></div></li>
<li><span class="status redirect">303</span><div>See Other → <code id="hop-clean-url">{{.CleanURL}}</code><br><span class="note">The session injector redeemed the token, set <code>{{$.Name}}={{$.Value}}</code> on {{$.CookieHost}}, and sent the browser to the same address without the token.</span></div></li>
<li><span class="status">GET</span><div><code>{{.CleanURL}}</code> with <code>Cookie: {{$.Name}}={{$.Value}}</code><br><span class="note">The app first saw this session on {{$.CookieHost}} at {{clock .At}}.</span></div></li>
</ol>
<p class="how" id="how">How this page knows: the app remembers the host it set each session cookie on (only the shop's sign-in sets one), so a live session arriving on another host was set there by the session injector, and the first request that brought it is the address the injector's 303 pointed to.</p>
</section>{{end}}{{end}}

{{define "shop"}}{{template "head" "Shop"}}
{{template "site" (site "shop" "Shop" .Cookie.Host)}}
<main>
{{template "user" .Cookie}}
{{template "cookie" .Cookie}}
<section class="card">
{{if .Cookie.SignedIn}}<h2>Go to the checkout</h2>
<p><a id="handoff" href="{{.Handoff}}">Go to the checkout, signed in</a> <span class="note">through the hand-off endpoint: the session injector adds a one-use token</span></p>
<p><a id="plain" href="{{.Checkout}}">Go to the checkout with a plain link</a> <span class="note">signed in there only if the session was handed over before</span></p>
<form method="post" action="/pay"><button id="pay">Pay</button> <span class="note">a POST answered with a redirect to the checkout</span></form>
<form method="post" action="/logout"><button id="logout">Sign out</button> <span class="note">and go to the checkout; the session injector signs you out there too</span></form>
{{else}}<h2>Sign in</h2>
<form id="login-form" method="post" action="/login">
<label>Name <input name="name" required maxlength="64"></label>
<button id="login">Sign in</button>
</form>
<form id="login-next-form" method="post" action="/login">
<input type="hidden" name="next" value="{{.Checkout}}">
<label>Name <input name="name" required maxlength="64"></label>
<button id="login-next">Sign in and go to the checkout</button>
</form>
{{end}}</section>
</main>
</body></html>{{end}}

{{define "checkout"}}{{template "head" "Checkout"}}
{{template "site" (site "checkout" "Checkout" .Cookie.Host)}}
<main>
{{template "user" .Cookie}}
{{if .Paid}}<p id="paid">Thank you for your payment.</p>{{end}}
{{template "cookie" .Cookie}}
<p><a id="handoff" href="{{.Handoff}}">Back to the shop</a> <span class="note">through the hand-off endpoint</span></p>
{{if .Cookie.SignedIn}}<form method="post" action="/logout"><button id="logout">Sign out</button> <span class="note">the app deletes this host's cookie; the session injector signs you out on the shop too</span></form>{{end}}
</main>
</body></html>{{end}}
`))
