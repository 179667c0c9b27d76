package chat

import (
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"rsc.io/qr"
)

// writeImage writes img as a PNG in a temporary folder.
func writeImage(t *testing.T, img image.Image) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "code.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return path
}

// inverted is an image with light and dark swapped.
type inverted struct{ image.Image }

func (i inverted) At(x, y int) color.Color {
	r, _, _, _ := i.Image.At(x, y).RGBA()
	return color.Gray{Y: 255 - uint8(r>>8)}
}

func TestScanQR(t *testing.T) {
	const payload = "RATCHAT:SN2:123456789012345678901234567890123456789012345678901234567890"
	code, err := qr.Encode(payload, qr.L)
	if err != nil {
		t.Fatal(err)
	}
	code.Scale = 6
	for name, img := range map[string]image.Image{"plain": code.Image(), "inverted": inverted{code.Image()}} {
		got, err := ScanQR(writeImage(t, img))
		if err != nil || got != payload {
			t.Errorf("%s: ScanQR = %q, %v", name, got, err)
		}
	}
	blank := image.NewGray(image.Rect(0, 0, 64, 64))
	if _, err := ScanQR(writeImage(t, blank)); !errors.Is(err, ErrNoQR) {
		t.Errorf("blank image: %v", err)
	}
	notImage := filepath.Join(t.TempDir(), "x.png")
	os.WriteFile(notImage, []byte("not an image"), 0o600)
	if _, err := ScanQR(notImage); err == nil {
		t.Error("a text file scanned")
	}
}
