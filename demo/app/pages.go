package main

import "html/template"

// pages are the two sites' HTML pages: plain forms and links, no
// JavaScript. html/template escapes every value.
var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.}}</title>
<style>body{font-family:sans-serif;max-width:40em;margin:2em auto;line-height:1.5}form{margin:1em 0}</style>
</head><body>{{end}}

{{define "shop"}}{{template "head" "Shop"}}
<h1>Shop</h1>
{{if .SignedIn}}
<p id="user">Signed in as {{.Name}}</p>
<p><a id="handoff" href="{{.Handoff}}">Go to the checkout, signed in</a> (through the hand-off endpoint)</p>
<p><a id="plain" href="{{.Checkout}}">Go to the checkout with a plain link</a> (signed in there only if the session was handed over before)</p>
<form method="post" action="/pay"><button id="pay">Pay</button> (a POST answered with a redirect to the checkout)</form>
<form method="post" action="/logout"><button id="logout">Sign out</button> (and go to the checkout)</form>
{{else}}
<p id="user">You are not signed in.</p>
<form method="post" action="/login">
<label>Name <input name="name" required maxlength="64"></label>
<button id="login">Sign in</button>
</form>
<form method="post" action="/login">
<input type="hidden" name="next" value="{{.Checkout}}">
<label>Name <input name="name" required maxlength="64"></label>
<button id="login-next">Sign in and go to the checkout</button>
</form>
{{end}}
</body></html>{{end}}

{{define "checkout"}}{{template "head" "Checkout"}}
<h1>Checkout</h1>
{{if .SignedIn}}<p id="user">Signed in as {{.Name}}</p>{{else}}<p id="user">You are not signed in.</p>{{end}}
{{if .Paid}}<p id="paid">Thank you for your payment.</p>{{end}}
<p><a id="handoff" href="{{.Handoff}}">Back to the shop</a></p>
</body></html>{{end}}
`))
