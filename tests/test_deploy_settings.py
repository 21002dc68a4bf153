"""Every setting the app reads from the environment can be given to the containers and is documented.

The variables are found by reading aop/settings.py (its env_* calls and os.environ reads), so a new
setting that is not passed by docker-compose.yml, not in .env.example and not in the README's settings
table fails here instead of on a production server.
"""

import ast
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
ENV_READERS = {"env_str", "env_bool", "env_int", "env_list", "env_database"}
# `KEY=value` (set) or `# KEY=value` (documented with its default, commented out).
ASSIGNMENT = re.compile(r"^(?P<comment>#\s*)?(?P<key>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")

# Read by aop/settings.py but deliberately not passed to the containers (.env.example explains each
# in prose, without a KEY=value line, and the README's table names them).
NOT_FOR_CONTAINERS = {
    # Paths inside the image: var/ is created by the Dockerfile, and the static files are collected
    # into STATIC_ROOT when the image is built; moving either at run time breaks the image.
    "AOP_VAR_DIR",
    "STATIC_ROOT",
    # The stack's broker is its own redis service, given as REDIS_URL in docker-compose.yml.
    "CELERY_BROKER_URL",
    # Runs tasks inside the web request: for tests, never next to a real worker.
    "CELERY_TASK_ALWAYS_EAGER",
    # Turns the sign-in lockout off: for local debugging, never in production.
    "AXES_ENABLED",
}


def _is_os_environ(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def _read_name(node: ast.AST) -> ast.expr | None:
    """The name argument of an environment read (env_str("X"), os.environ.get("X"), os.getenv("X"),
    os.environ["X"]), or None when `node` is not one."""
    if isinstance(node, ast.Subscript) and _is_os_environ(node.value):
        return node.slice
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Name) and func.id in ENV_READERS:
        return node.args[0]
    if isinstance(func, ast.Attribute) and (
        func.attr == "getenv" or (func.attr in ("get", "setdefault") and _is_os_environ(func.value))
    ):
        return node.args[0]
    return None


def settings_variables() -> set[str]:
    tree = ast.parse((ROOT / "aop" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        arg = _read_name(node)
        if arg is None:
            continue
        assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), (
            f"aop/settings.py line {node.lineno} reads a variable by a computed name; this test cannot see it"
        )
        names.add(arg.value)
    return names


def env_example() -> tuple[dict[str, str], set[str], str]:
    """(variables set, variables documented but commented out, the whole text) of .env.example."""
    text = (ROOT / ".env.example").read_text()
    active: dict[str, str] = {}
    documented = set()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = ASSIGNMENT.match(line)
        if match and match["comment"] is None:
            assert match["key"] not in active, f".env.example line {number} sets {match['key']} twice"
            active[match["key"]] = match["value"]
        elif match:
            documented.add(match["key"])
        else:
            assert line.startswith("#"), f".env.example line {number} is neither KEY=value nor a comment"
    return active, documented, text


def app_services() -> dict[str, dict]:
    """The compose services that run the app's image (not postgres or redis)."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    return {name: service for name, service in services.items() if service.get("image") == "aop:latest"}


def compose_environment() -> set[str]:
    return {key for service in app_services().values() for key in service.get("environment", {})}


def compose_interpolated() -> set[str]:
    """Variables docker compose itself reads from .env or the shell (`${NAME…}` in docker-compose.yml)."""
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / "docker-compose.yml").read_text()))


def readme_settings_table() -> set[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Settings (environment variables)", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", row.split("|")[1])}


def test_the_parser_finds_the_settings_it_must():
    found = settings_variables()
    # Spot checks of each kind of reader: env_str, env_bool, env_int, env_list, env_database.
    assert {"SECRET_KEY", "DEBUG", "EMAIL_PORT", "ALLOWED_HOSTS", "DATABASE_URL"} <= found
    assert len(found) >= 30


def test_every_app_container_reads_the_env_file():
    services = app_services()
    assert set(services) == {"migrate", "web", "worker", "beat"}
    for name, service in services.items():
        assert {"path": ".env", "required": False} in service["env_file"], name


def test_every_setting_reaches_the_containers_or_is_listed_as_not_needed_there():
    active, documented, _ = env_example()
    passed = compose_environment() | set(active) | documented
    missing = settings_variables() - passed - NOT_FOR_CONTAINERS
    assert not missing, f"read by aop/settings.py, never passed to the containers: {sorted(missing)}"


def test_the_not_needed_list_holds_only_settings_that_are_really_left_out():
    active, documented, _ = env_example()
    stale = NOT_FOR_CONTAINERS - settings_variables()
    assert not stale, f"not read by aop/settings.py any more: {sorted(stale)}"
    assert not NOT_FOR_CONTAINERS & (compose_environment() | set(active) | documented)


def test_env_example_names_every_setting():
    *_, text = env_example()
    unnamed = {name for name in settings_variables() if not re.search(rf"\b{name}\b", text)}
    assert not unnamed, f".env.example does not mention {sorted(unnamed)}"


def test_env_example_parses_and_every_key_is_read_by_the_settings_or_by_compose():
    active, documented, _ = env_example()
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "AOP_BASE_URL"} <= set(active)
    unknown = (set(active) | documented) - settings_variables() - compose_interpolated()
    assert not unknown, f".env.example sets variables nothing reads: {sorted(unknown)}"
    for key, value in active.items():
        # A quoted value is closed; an unquoted one has no space (docker compose would cut it there).
        assert re.fullmatch(r"'[^']*'|\"[^\"]*\"|[^'\" ]*", value), f"{key}={value}"


def test_env_example_leaves_the_values_compose_fixes_alone():
    active, documented, _ = env_example()
    fixed = {"DEBUG", "DATABASE_URL", "REDIS_URL"}
    assert fixed <= compose_environment()
    assert not fixed & (set(active) | documented)


def test_the_readme_settings_table_names_every_setting():
    unnamed = settings_variables() - readme_settings_table()
    assert not unnamed, f"the README's settings table does not name {sorted(unnamed)}"


def test_secrets_in_env_stay_out_of_git_and_of_the_image():
    for ignore_file in (".gitignore", ".dockerignore"):
        lines = (ROOT / ignore_file).read_text().splitlines()
        assert ".env" in lines, ignore_file
        assert ".env.example" not in lines, ignore_file
