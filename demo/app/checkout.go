package main

import (
	"net/http"
	"net/url"
)

// checkoutRoutes: the home page and sign-out; the session arrives from
// the shop.
func (a *App) checkoutRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.checkoutHome)
	mux.HandleFunc("POST /logout", a.checkoutLogout)
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

// checkoutLogout ends the session, deletes the checkout's cookie and
// redirects to the checkout's home page, which then says "not signed in".
// The app deletes only this host's cookie: the shop's cookie stays in the
// browser unless the session injector signs the browser out there too.
func (a *App) checkoutLogout(w http.ResponseWriter, r *http.Request) {
	a.endSession(w, r, a.checkout.Scheme == "https")
	http.Redirect(w, r, a.checkout.String()+"/", http.StatusFound)
}
