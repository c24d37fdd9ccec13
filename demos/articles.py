"""The five reference articles (in Chinese) the demos reproduce, named.

Each demo module sets `ARTICLE` to one of these numbers (or None when it
reproduces no article: neuron, topo_order, moons). The title, author and link
are what the article's own text gives; where it gives none, we say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Article:
    number: str
    title: str            #: as the text gives it
    english: str          #: what the title says
    source: str           #: author or where it was published, as the text gives it
    link: Optional[str]   #: only a link the text itself gives

    def line(self) -> str:
        """One line: article 000, 'title' (English), source, link."""
        link = f", {self.link}" if self.link else ""
        return f"article {self.number}: {self.title} ({self.english}), {self.source}{link}"


ARTICLES = {
    "000": Article("000", "神经网络的基本原理和数学推导",
                   "the basic principles and mathematics of neural networks",
                   "by Heloowird; no link given", None),
    "001": Article("001", "神经网络 backpropagation",
                   "a partial translation of the Stanford cs224n lecture notes 3",
                   "posted on 靠谱客 by 狂野大米; no link given", None),
    "002": Article("002", "深度学习入门系列4-反向传播BP算法",
                   "deep learning primer, part 4: backpropagation",
                   "author not named; no link given", None),
    "003": Article("003", "ANN 人工神经网络数学推导及 Python 实现",
                   "ANN: the derivation and a Python implementation",
                   "author not named; no link given", None),
    "004": Article("004", "untitled notes of 2018-08-03",
                   "from logistic regression to L-layer networks",
                   "after Andrew Ng's deep learning course",
                   "https://www.coursera.org/specializations/deep-learning"),
}


def article(number: Optional[str]) -> Optional[Article]:
    """The article called `number`, or None for a demo that reproduces none."""
    return None if number is None else ARTICLES[number]
