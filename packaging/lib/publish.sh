# Shared by the publish scripts (source it; it defines functions and sets nothing else):
#   drover_version                      the version in Directory.Build.props (0.1.0 when absent)
#   publish_aot PROJECT OUT NAME        dotnet publish PROJECT as one native-AOT linux-x64 binary into OUT; fails
#                                       if the compiler reports any trim, AOT or code-style warning, naming NAME
#   pack OUT TARBALL DIR FILE...        OUT/TARBALL from DIR's FILEs, with OUT/TARBALL.sha256 beside it
# ROOT must be set to the repository's root by the caller.

drover_version() {
  local version
  version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$ROOT/Directory.Build.props" | head -n1)
  echo "${version:-0.1.0}"
}

publish_aot() {
  local project=$1 out=$2 name=$3 log
  log=$(mktemp)
  if ! dotnet publish "$ROOT/$project" -c Release -r linux-x64 -p:PublishAot=true -o "$out" -nologo >"$log" 2>&1; then
    cat "$log"; rm -f "$log"; return 1
  fi
  if grep -E "warning (IL|CS|CA|IDE)[0-9]+" "$log" | grep -v "/obj/"; then
    echo "publish reported trim/AOT warnings (above): $name must publish clean" >&2
    rm -f "$log"; return 1
  fi
  rm -f "$log"
  # Only the program ships: the publish also leaves debug symbols and XML documentation beside it.
  find "$out" -maxdepth 1 -type f \( -name '*.dbg' -o -name '*.pdb' -o -name '*.xml' -o -name '*.staticwebassets.*' \) -delete
}

pack() {
  local out=$1 tarball=$2 dir=$3
  shift 3
  tar -czf "$out/$tarball" -C "$dir" "$@"
  (cd "$out" && sha256sum "$tarball" > "$tarball.sha256")
}
