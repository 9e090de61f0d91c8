package interp

const testSecret = "0123456789abcdef0123456789abcdef-interp"
