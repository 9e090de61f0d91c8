package main

import (
	"net/http"
	"net/url"
)

// checkoutRoutes: the home page only; the session arrives from the shop.
func (a *App) checkoutRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.checkoutHome)
	a.common(mux, a.shop)
	return mux
}

// checkoutHome says who is signed in, if anyone, and how the session
// cookie got here.
func (a *App) checkoutHome(w http.ResponseWriter, r *http.Request) {
	shop := a.shop.String() + "/"
	page(w, "checkout", map[string]any{
		"Cookie":  a.cookieReport(r),
		"Paid":    r.URL.Query().Get("from") == "pay",
		"Shop":    shop,
		"Handoff": "/_session/handoff?" + url.Values{"to": {shop}}.Encode(),
	})
}
