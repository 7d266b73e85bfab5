"""Unbound extension singletons; create_app() binds them."""

from typing import TYPE_CHECKING, ClassVar

from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:
        # Every model here is mapped to a real Table (none maps a select), so say so: code
        # that bulk-inserts through `Model.__table__` then type-checks.
        __table__: ClassVar[Table]


db = SQLAlchemy(model_class=Base)

# Models subclass `Model`, not `db.Model`: type checkers cannot use an attribute of an instance
# as a base class (mypy #8603, flask-sqlalchemy #1186). At run time it IS db.Model; for the
# checker it is the same declarative base plus Flask-SQLAlchemy's model mixin.
if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as _FlaskModel

    class Model(Base, _FlaskModel):
        __abstract__ = True
else:
    Model = db.Model
migrate = Migrate()
login = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = HTMX()
limiter = Limiter(key_func=get_remote_address)
