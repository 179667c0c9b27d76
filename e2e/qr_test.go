package e2e

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Drawing of a captured QR code: each module as a square of modulePx
// pixels, inside an extra quiet zone of quietModules light modules.
const (
	modulePx     = 8
	quietModules = 4
)

// halfBlocks maps the characters of a half-block QR code to whether the
// top and the bottom half of the cell are painted with the foreground.
var halfBlocks = map[rune][2]bool{
	'█': {true, true}, '▀': {true, false}, '▄': {false, true}, ' ': {false, false},
}

// paneQR finds the QR code on a captured screen (the block of half-block
// lines that starts with a full line of '█', its quiet zone) and returns
// its modules, true for dark. Which of painted and unpainted is dark is
// read from the quiet zone, which is light by definition: that makes the
// reading independent of the terminal's colours.
func paneQR(screen string) ([][]bool, error) {
	lines := strings.Split(screen, "\n")
	start, w := -1, 0
	for i, l := range lines {
		trimmed := strings.TrimRight(l, " ")
		if n := len([]rune(trimmed)); n >= 21 && strings.Trim(trimmed, "█") == "" {
			start, w = i, n
			break
		}
	}
	if start < 0 {
		return nil, fmt.Errorf("no QR code on the screen")
	}
	var rows [][]bool
	for _, l := range lines[start:] {
		r := []rune(l + strings.Repeat(" ", w))[:w]
		if !allHalfBlocks(r) || len(rows) >= w {
			break
		}
		top, bottom := make([]bool, w), make([]bool, w)
		for x, c := range r {
			top[x], bottom[x] = halfBlocks[c][0], halfBlocks[c][1]
		}
		rows = append(rows, top, bottom)
	}
	if len(rows) > w { // the last line's lower half is no part of the code
		rows = rows[:w]
	}
	light := rows[0][0] // the painted state of the quiet zone
	for _, row := range rows {
		for x := range row {
			row[x] = row[x] != light
		}
	}
	return rows, nil
}

// allHalfBlocks reports whether a line holds only half-block characters.
func allHalfBlocks(r []rune) bool {
	for _, c := range r {
		if _, ok := halfBlocks[c]; !ok {
			return false
		}
	}
	return true
}

// writeQRPNG draws modules as a black-on-white PNG.
func writeQRPNG(path string, modules [][]bool) error {
	n := len(modules[0]) + 2*quietModules
	img := image.NewGray(image.Rect(0, 0, n*modulePx, (len(modules)+2*quietModules)*modulePx))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y, row := range modules {
		for x, dark := range row {
			if !dark {
				continue
			}
			for dy := 0; dy < modulePx; dy++ {
				for dx := 0; dx < modulePx; dx++ {
					img.SetGray((x+quietModules)*modulePx+dx, (y+quietModules)*modulePx+dy, color.Gray{})
				}
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// decodeScreenQR turns the QR code on a screen into a PNG and reads it
// with zbarimg, returning the payload.
func decodeScreenQR(t *testing.T, screen string) string {
	t.Helper()
	modules, err := paneQR(screen)
	if err != nil {
		t.Fatalf("%v; the screen:\n%s", err, screen)
	}
	path := filepath.Join(t.TempDir(), "qr.png")
	if err := writeQRPNG(path, modules); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("zbarimg", "--quiet", "--raw", path).Output()
	if err != nil {
		t.Fatalf("zbarimg could not read the QR code captured from the screen: %v; the screen:\n%s", err, screen)
	}
	return strings.TrimRight(string(out), "\n")
}
