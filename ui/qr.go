package ui

import (
	"errors"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/mdp/qrterminal/v3"
	"rsc.io/qr"
)

// qrLevel is the error correction of the codes shown. A screen is a clean
// medium that no one folds or stains, so the lowest level (L) does: it
// keeps a safety number's code at 29×29 modules, small enough for an
// 80×24 terminal.
const qrLevel = qr.L

// errQRTooLong and errQRTooLarge explain why no code is shown.
var (
	errQRTooLong  = errors.New("too long for a QR code")
	errQRTooLarge = errors.New("enlarge the window to show the QR code")
)

// renderQR renders payload as a QR code in half blocks (two modules per
// cell) that fits in maxW×maxH cells. It encodes the payload first, since
// qrterminal does not check the error and panics on payloads that do not
// fit in a QR code. The quiet zone is the standard four modules when there
// is room, two otherwise (which phone cameras and zbar read well). Colours
// are explicit, black modules on white, so that the code scans on dark and
// light terminals alike rather than coming out inverted on one of them.
func renderQR(style lipgloss.Style, payload string, maxW, maxH int) (string, error) {
	code, err := qr.Encode(payload, qrLevel)
	if err != nil {
		return "", errQRTooLong
	}
	for _, quiet := range []int{4, 2} {
		w, h := code.Size+2*quiet, (code.Size+2*quiet+1)/2
		if w > maxW || h > maxH {
			continue
		}
		var b strings.Builder
		qrterminal.GenerateWithConfig(payload, qrterminal.Config{
			Level:          qrLevel,
			Writer:         &b,
			HalfBlocks:     true,
			BlackChar:      qrterminal.BLACK_BLACK,
			BlackWhiteChar: qrterminal.BLACK_WHITE,
			WhiteChar:      qrterminal.WHITE_WHITE,
			WhiteBlackChar: qrterminal.WHITE_BLACK,
			QuietZone:      quiet,
		})
		lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
		for i, l := range lines {
			lines[i] = style.Render(l)
		}
		return strings.Join(lines, "\n"), nil
	}
	return "", errQRTooLarge
}
