{
  "targets": [
    {
      "target_name": "ixnative",
      "sources": ["ixnative.c", "ixring.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    }
  ]
}
