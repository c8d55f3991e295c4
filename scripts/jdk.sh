# Sourced by ./test, ./livesync and .ci/run: picks the JDK that builds and runs livesync.
# Rule: an explicit JAVA_HOME wins; otherwise the Temurin 25 of these machines if present;
# otherwise whatever java is on the PATH, provided it is 21 or newer. Says clearly when none fits.
livesync_pick_jdk() {
  local preferred=/usr/lib/jvm/temurin-25-jdk-amd64
  if [ -z "${JAVA_HOME:-}" ] && [ -x "$preferred/bin/java" ]; then
    export JAVA_HOME="$preferred"
  fi
  local java_bin
  if [ -n "${JAVA_HOME:-}" ]; then java_bin="$JAVA_HOME/bin/java"; else java_bin=$(command -v java || true); fi
  if [ -z "$java_bin" ] || [ ! -x "$java_bin" ]; then
    echo "livesync: no JDK found. Install JDK 21 or newer and set JAVA_HOME to it." >&2
    return 1
  fi
  local major
  major=$("$java_bin" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1)
  major=${major%%.*}
  if [ -z "$major" ] || [ "$major" -lt 21 ]; then
    echo "livesync: $java_bin is Java ${major:-unknown}; livesync needs JDK 21 or newer. Set JAVA_HOME to one." >&2
    return 1
  fi
  if [ -z "${JAVA_HOME:-}" ]; then
    JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$java_bin")")")
    export JAVA_HOME
  fi
  export PATH="$JAVA_HOME/bin:$PATH"
  # Maven 3.9's bundled Guice calls sun.misc.Unsafe, which JDK 24+ warns about on every build.
  if [ "$major" -ge 24 ]; then
    case " ${MAVEN_OPTS:-} " in
      *sun-misc-unsafe-memory-access*) ;;
      *) export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" ;;
    esac
  fi
}
