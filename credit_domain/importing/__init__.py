"""File import for people who live in Excel (CSV and XLSX, Chinese or English headers), its
templates, and exports of the credit book to XLSX."""
