// The shopping cart: what a visitor has put aside before checking out.
import express, { Router } from 'express';
import { say } from './messages.js';

const MAX_ITEMS = 50;

// The cart lives in the visitor's session, and the session lives in the session store (Redis),
// which every instance shares. This process keeps nothing between two requests: any instance
// can serve the next one, and replacing this one loses nothing.
export function cartRoutes(config) {
  const router = Router();

  // Shows the caller's cart.
  router.get('/api/cart', (req, res) => {
    res.json({ instance: config.instance, items: req.session.cart ?? [] });
  });

  // Adds one item to the caller's cart: {"item": "notebook"}.
  router.post('/api/cart/items', express.json({ limit: '10kb' }), async (req, res) => {
    const item = readItem(req.body);
    if (item === null) {
      res.status(400).json({ error: say.itemInvalid });
      return;
    }
    const items = req.session.cart ?? [];
    if (items.length >= MAX_ITEMS) {
      res.status(409).json({ error: say.cartFull(MAX_ITEMS) });
      return;
    }
    req.session.cart = [...items, item];
    await saveSession(req);
    res.status(201).json({ instance: config.instance, items: req.session.cart });
  });

  // Empties the caller's cart.
  router.delete('/api/cart', async (req, res) => {
    delete req.session.cart;
    await saveSession(req);
    res.json({ instance: config.instance, items: [] });
  });

  return router;
}

function readItem(body) {
  const item = body?.item;
  if (typeof item !== 'string') return null;
  const name = item.trim();
  return name.length >= 1 && name.length <= 100 ? name : null;
}

// Saves the session before answering: what we report is what the session store has kept.
function saveSession(req) {
  return new Promise((resolve, reject) =>
    req.session.save((error) => (error ? reject(error) : resolve())),
  );
}
