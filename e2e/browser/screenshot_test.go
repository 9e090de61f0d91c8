package browser

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encode returns img encoded as PNG.
func encode(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// plain is a w×h image of one colour, with the pixel at (x, y) in another
// when x >= 0.
func plain(w, h, x, y int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for py := 0; py < h; py++ {
		for px := 0; px < w; px++ {
			img.Set(px, py, color.RGBA{R: 0xf3, G: 0xf4, B: 0xf6, A: 0xff})
		}
	}
	if x >= 0 {
		img.Set(x, y, color.RGBA{R: 0x43, G: 0x38, B: 0xca, A: 0xff})
	}
	return img
}

func TestDecodePNG(t *testing.T) {
	var jpg bytes.Buffer
	require.NoError(t, jpeg.Encode(&jpg, plain(8, 8, 3, 3), nil))
	tests := []struct {
		name string
		data []byte
		err  string
	}{
		{name: "two colours", data: encode(t, plain(40, 30, 0, 0))},
		{name: "one pixel off in the last corner", data: encode(t, plain(40, 30, 39, 29))},
		{name: "a single colour", data: encode(t, plain(40, 30, -1, 0)), err: "a single colour"},
		{name: "a JPEG", data: jpg.Bytes(), err: "png"},
		{name: "nothing", data: nil, err: "screenshot of 0 bytes"},
		{name: "cut short", data: encode(t, plain(40, 30, 0, 0))[:60], err: "screenshot of 60 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := DecodePNG(tt.data)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				assert.Nil(t, img)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, image.Rect(0, 0, 40, 30), img.Bounds())
		})
	}
}

func TestSaveScreenshot(t *testing.T) {
	dir := t.TempDir()
	good := encode(t, plain(20, 10, 5, 5))
	path := filepath.Join(dir, "a", "b", "shot.png")
	require.NoError(t, SaveScreenshot(path, good))
	saved, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, good, saved)

	blank := filepath.Join(dir, "blank.png")
	err = SaveScreenshot(blank, encode(t, plain(20, 10, -1, 0)))
	require.ErrorIs(t, err, errBlank)
	assert.Contains(t, err.Error(), blank, "the error names the file")
	assert.NoFileExists(t, blank, "nothing written")
}
