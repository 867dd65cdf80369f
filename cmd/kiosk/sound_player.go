package main

import "mensakiosk/device/sound"

// newSoundPlayer starts the canteen door's sound player for each start of
// the kiosk (a settings change restarts it with the new volume). Tests
// replace it to see the configuration the player is given.
var newSoundPlayer = sound.NewPlayer
