for (int c = 0; c < {{inChannels}}; ++c) {
    float v = row[c];
{{epilogue}}    out[{{first}} + c] = v;
}
