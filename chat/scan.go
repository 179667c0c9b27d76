package chat

import (
	"fmt"
	"image"
	_ "image/jpeg" // screenshots and photos
	_ "image/png"
	"os"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// maxScanPixels bounds the images ScanQR decodes: a small file can
// declare enormous dimensions (a decompression bomb), so the size is read
// from the header before any pixel is.
const maxScanPixels = 40 << 20

// ScanQR decodes the QR code in a PNG or JPEG file and returns its text.
// It tries the hints that read the most images: TryHarder (a code
// anywhere in a photo), PureBarcode (a clean screenshot of the code
// alone), each on the image as it is and inverted (light modules on dark,
// as a terminal with a dark theme may show them), and with two
// binarizers.
func ScanQR(path string) (string, error) {
	img, err := readImage(path)
	if err != nil {
		return "", err
	}
	src := gozxing.NewLuminanceSourceFromImage(img)
	hints := []map[gozxing.DecodeHintType]any{
		{gozxing.DecodeHintType_TRY_HARDER: true},
		{gozxing.DecodeHintType_PURE_BARCODE: true},
		{gozxing.DecodeHintType_TRY_HARDER: true, gozxing.DecodeHintType_ALSO_INVERTED: true},
	}
	for _, s := range []gozxing.LuminanceSource{src, gozxing.NewInvertedLuminanceSource(src)} {
		binarizers := []gozxing.Binarizer{gozxing.NewHybridBinarizer(s), gozxing.NewGlobalHistgramBinarizer(s)}
		for _, b := range binarizers {
			if text, ok := decodeWith(b, hints); ok {
				return text, nil
			}
		}
	}
	return "", ErrNoQR
}

// readImage decodes an image file after checking its declared size.
func readImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil, fmt.Errorf("chat: %s is not a PNG or JPEG image: %w", path, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxScanPixels {
		return nil, fmt.Errorf("%w: %d×%d", ErrImageTooLarge, cfg.Width, cfg.Height)
	}
	if _, err := f.Seek(0, 0); err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("chat: decoding %s: %w", path, err)
	}
	return img, nil
}

// decodeWith tries each set of hints on one binarized image.
func decodeWith(b gozxing.Binarizer, hints []map[gozxing.DecodeHintType]any) (string, bool) {
	bmp, err := gozxing.NewBinaryBitmap(b)
	if err != nil {
		return "", false
	}
	for _, h := range hints {
		res, err := qrcode.NewQRCodeReader().Decode(bmp, h)
		if err == nil {
			return res.GetText(), true
		}
	}
	return "", false
}
