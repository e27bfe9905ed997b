. "${SOURCE:-t}/lib.sh"
skip_all "not written yet"
