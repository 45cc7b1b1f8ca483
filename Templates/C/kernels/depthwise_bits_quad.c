const uint32_t q = {{quad}};
{{stores}}
