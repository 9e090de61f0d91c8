package browser

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"

	"github.com/chromedp/chromedp"
)

// errBlank marks a screenshot of a single colour: nothing was rendered.
var errBlank = errors.New("a single colour: nothing rendered")

// Screenshot captures the tab's viewport as a PNG.
func Screenshot(ctx context.Context) ([]byte, error) {
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return nil, fmt.Errorf("screenshot: %w", err)
	}
	return shot, nil
}

// DecodePNG decodes a screenshot, and refuses one that is not a PNG or is
// of a single colour.
func DecodePNG(data []byte) (image.Image, error) {
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("screenshot of %d bytes: %w", len(data), err)
	}
	b := img.Bounds() // never empty: the decoder refuses a 0×0 PNG
	first := img.At(b.Min.X, b.Min.Y)
	r0, g0, b0, a0 := first.RGBA()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, g, bl, a := img.At(x, y).RGBA(); r != r0 || g != g0 || bl != b0 || a != a0 {
				return img, nil
			}
		}
	}
	return nil, fmt.Errorf("screenshot %v: %w", b, errBlank)
}

// SaveScreenshot checks a screenshot with DecodePNG and writes it to path,
// creating its folder.
func SaveScreenshot(path string, data []byte) error {
	if _, err := DecodePNG(data); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
