package browser

import (
	"context"
	"fmt"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Cookies returns the cookies the browser would send to url, with their
// attributes (domain, path, HttpOnly, Secure, SameSite, expiry) as the
// browser stored them.
func Cookies(ctx context.Context, url string) ([]*network.Cookie, error) {
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
	if err != nil {
		return nil, fmt.Errorf("cookies for %s: %w", url, err)
	}
	return res.Cookies, nil
}

// Cookie returns the cookie named name the browser would send to url.
func Cookie(ctx context.Context, url, name string) (*network.Cookie, error) {
	cookies, err := Cookies(ctx, url)
	if err != nil {
		return nil, err
	}
	for _, c := range cookies {
		if c.Name == name {
			return c, nil
		}
	}
	names := make([]string, len(cookies))
	for i, c := range cookies {
		names[i] = c.Name
	}
	return nil, fmt.Errorf("no cookie %q for %s (the browser holds %q)", name, url, names)
}
