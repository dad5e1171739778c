# Holding in Mind on JupyterHub: what the hub decides about each person's server.
#
# This is a drop-in configuration file. It chooses no spawner, authenticator or proxy (the
# distribution does) and only says what the course needs:
#   - The Littlest JupyterHub (one server):
#       cp deploy/jupyterhub_config.py /opt/tljh/config/jupyterhub_config.d/holding-in-mind.py
#   - Zero to JupyterHub (Kubernetes): mounted by deploy/values.yaml (hub.extraFiles) into
#       /usr/local/etc/jupyterhub/jupyterhub_config.d/, with
#       helm upgrade ... --set-file \
#         hub.extraFiles.holding-in-mind.stringData=deploy/jupyterhub_config.py
#   - tests/test_hub.py loads it with load_subconfig() after choosing a local spawner.
# Both distributions run it with the hub's `c` already defined; so does load_subconfig.
#
# Everyone is a learner unless they are in the educators group:
#   learner  -> their own server opens the course as Voila apps (index page first);
#               JupyterLab, the classic tree, terminals and nbgrader's pages are closed off
#               (deploy/singleuser/jupyter_server_config.py); their own config files and
#               Python user site are ignored.
#   educator -> their own server opens JupyterLab, with nbgrader's formgrader.
# Settings come from the hub's environment so that a host never edits this file:
#   HOLDING_IN_MIND_EDUCATORS        user names of educators, comma-separated (added to the
#                                    group at start; the hub admin page can add more)
#   HOLDING_IN_MIND_EDUCATORS_GROUP  the group's name (default: educators)
#   HOLDING_IN_MIND_EDUCATOR_MEM_LIMIT / _MEM_GUARANTEE   educators' memory (2G / 512M)
#   HOLDING_IN_MIND_EDUCATOR_UID     Kubernetes only: run educators with this user id, so
#                                    learners are "others" in nbgrader's exchange (see
#                                    deploy/singleuser/nbgrader_config.py); e.g. 1001
#   HOLDING_IN_MIND_STORE_ADMIN_URL  PostgreSQL for the journey store (see below); unset:
#                                    each learner's journeys stay in SQLite in their home
#   HOLDING_IN_MIND_STORE_SECRET     the key each learner's database password is made from
import asyncio
import hashlib
import hmac
import os

LEARNER_URL = "/voila/render/index.ipynb"
EDUCATOR_URL = "/lab"
EDUCATORS_GROUP = os.environ.get("HOLDING_IN_MIND_EDUCATORS_GROUP", "educators")

hub = c  # noqa: F821 (JupyterHub, TLJH and Zero to JupyterHub define c before this runs)

# --- Everyone starts as a learner -----------------------------------------------------------

# The first page of a learner's server, relative to the server's own address
# (/user/<name>/): Voila's page for the course's index notebook. The path is relative to the
# server's root folder, which for learners is the course folder in the image.
hub.Spawner.default_url = LEARNER_URL
# Config files in a learner's home folder (~/.jupyter) and packages in their Python user
# site (~/.local/lib) could turn JupyterLab back on or replace a module: a learner's server
# is configured by the image alone.
hub.Spawner.disable_user_config = True
# `.update()` adds to what the distribution set, even from a file read by load_subconfig;
# the spawners' own sections are updated too, since a value set there (Zero to JupyterHub
# puts singleuser.extraEnv in KubeSpawner.environment) would replace the Spawner one.
for section in ("Spawner", "KubeSpawner", "SystemdSpawner"):
    hub[section].environment.update(
        {
            "HOLDING_IN_MIND_ROLE": "learner",
            "PYTHONNOUSERSITE": "1",
            # Each learner's server has a store of its own (their home, or their own database
            # role): opening a case without a resume code may reopen their latest journey.
            "CASEWORK_STORE_PER_LEARNER": "1",
        }
    )

# --- Educators --------------------------------------------------------------------------------

educator_override = {
    "default_url": EDUCATOR_URL,
    # JupyterLab, and nbgrader running each submission in a kernel of its own, need more
    # than a learner's page (deploy/README.md, "Sizing"); spawners that enforce memory
    # (Kubernetes, systemd) apply these.
    "mem_limit": os.environ.get("HOLDING_IN_MIND_EDUCATOR_MEM_LIMIT", "2G"),
    "mem_guarantee": os.environ.get("HOLDING_IN_MIND_EDUCATOR_MEM_GUARANTEE", "512M"),
    "disable_user_config": False,
    "environment": {
        "HOLDING_IN_MIND_ROLE": "educator",
        "PYTHONNOUSERSITE": None,
        # The formgrader panel may be framed only where every user has their own origin
        # (subdomains); otherwise educators open it in its own tab at
        # /hub/user-redirect/formgrader/ (JupyterHub >= 4.1 forbids framing by default).
        "HOLDING_IN_MIND_FRAME_ANCESTORS": lambda spawner: (
            "'self'" if spawner.user.settings.get("subdomain_host") else "'none'"
        ),
    },
}
if os.environ.get("HOLDING_IN_MIND_EDUCATOR_UID"):
    educator_override["uid"] = int(os.environ["HOLDING_IN_MIND_EDUCATOR_UID"])
hub.Spawner.group_overrides.update(
    {
        "50-holding-in-mind-educators": {
            "groups": [EDUCATORS_GROUP],
            "spawner_override": educator_override,
        }
    }
)

educators = [
    name.strip()
    for name in os.environ.get("HOLDING_IN_MIND_EDUCATORS", "").split(",")
    if name.strip()
]
hub.JupyterHub.load_groups.update({EDUCATORS_GROUP: {"users": educators}})

# --- The journey store on PostgreSQL, one locked room per learner ----------------------------
#
# Every learner's kernel can read its own environment, so a database password given to all
# learners would let any of them read everyone's reflections. Instead the hub (which alone
# holds the admin URL) gives each person their own PostgreSQL role and schema before their
# server starts: the role owns its schema, nobody else is granted anything on it, and the
# server only ever receives that role's URL. Role names are a hash of the user name; each
# password is an HMAC of the user name under HOLDING_IN_MIND_STORE_SECRET, so nothing needs
# storing and rotating the secret re-keys everyone at their next start.

STORE_ADMIN_URL = os.environ.get("HOLDING_IN_MIND_STORE_ADMIN_URL", "")
STORE_SECRET = os.environ.get("HOLDING_IN_MIND_STORE_SECRET", "")
#: The driver the course image connects with (psycopg 3); the hub may use another.
STORE_DRIVER = os.environ.get("HOLDING_IN_MIND_STORE_DRIVER", "postgresql+psycopg")
#: Connections one person's kernels may hold at once (each page view opens a few).
STORE_CONNECTION_LIMIT = int(os.environ.get("HOLDING_IN_MIND_STORE_CONNECTION_LIMIT", "20"))


def store_role(username: str) -> str:
    """The PostgreSQL role and schema for one person: no name in it, the same every time."""
    return "hm_" + hashlib.sha256(username.encode()).hexdigest()[:24]


def store_password(username: str, secret: str = STORE_SECRET) -> str:
    return hmac.new(secret.encode(), username.encode(), hashlib.sha256).hexdigest()


def provision_store(
    username: str, admin_url: str = STORE_ADMIN_URL, secret: str = STORE_SECRET
) -> str:
    """Make sure this person's role and schema exist; return the URL their server uses."""
    import sqlalchemy as sa

    if len(secret) < 32:
        raise RuntimeError("HOLDING_IN_MIND_STORE_SECRET must be at least 32 characters")
    role, password = store_role(username), store_password(username, secret)
    admin = sa.engine.make_url(admin_url)
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            quote = connection.dialect.identifier_preparer.quote
            name, database = quote(role), quote(admin.database)
            exists = connection.execute(
                sa.text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
            ).first()
            # The password is 64 hex digits, so it can be written into the statement.
            limits = f"CONNECTION LIMIT {STORE_CONNECTION_LIMIT} PASSWORD '{password}'"
            if exists:
                connection.execute(sa.text(f"ALTER ROLE {name} WITH {limits}"))
            else:
                connection.execute(
                    sa.text(
                        f"CREATE ROLE {name} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                        f"NOINHERIT {limits}"
                    )
                )
                # PostgreSQL 16 lets a CREATEROLE admin create a schema for a role only
                # once it may act as that role.
                connection.execute(sa.text(f"GRANT {name} TO CURRENT_USER"))
            connection.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {name} AUTHORIZATION {name}"))
            connection.execute(sa.text(f"REVOKE ALL ON DATABASE {database} FROM PUBLIC"))
            connection.execute(sa.text("REVOKE ALL ON SCHEMA public FROM PUBLIC"))
            connection.execute(sa.text(f"GRANT CONNECT ON DATABASE {database} TO {name}"))
    finally:
        engine.dispose()
    own = admin.set(
        drivername=STORE_DRIVER,
        username=role,
        password=password,
        query={"options": f"-csearch_path={role}"},
    )
    return own.render_as_string(hide_password=False)


if STORE_ADMIN_URL:
    previous_hook = hub.Spawner.pre_spawn_hook if "pre_spawn_hook" in hub.Spawner else None

    async def give_each_person_their_own_store(spawner):
        if previous_hook is not None:
            result = previous_hook(spawner)
            if asyncio.iscoroutine(result):
                await result
        url = await asyncio.to_thread(provision_store, spawner.user.name)
        spawner.environment = {**spawner.environment, "CASEWORK_DATABASE_URL": url}

    hub.Spawner.pre_spawn_hook = give_each_person_their_own_store
